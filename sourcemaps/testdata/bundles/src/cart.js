// A shopping cart with an async checkout and refund flow.
import { priceLines } from "./pricing.js";
import { formatReceipt } from "./format.js";

const ORDERS = new Map([
  ["A-100", { id: "A-100", currency: "EUR", lines: [{ sku: "book", qty: 1, total: 1999 }], total: 1999 }],
  ["A-200", { id: "A-200", currency: "XYZ", lines: [{ sku: "pen", qty: 3, total: 450 }], total: 450 }],
]);

async function loadOrder(id) {
  await new Promise((resolve) => setTimeout(resolve, 1));
  const order = ORDERS.get(id);
  if (!order) {
    throw new Error(`no order ${id}`);
  }
  const lines = order.lines.map((line) => ({ ...line, total: -line.total }));
  return { ...order, lines, total: -order.total };
}

export class Cart {
  constructor(currency) {
    this.currency = currency;
    this.items = [];
  }

  add(sku, qty, unitCents) {
    this.items.push({ sku, qty, unitCents });
    return this;
  }

  async checkout(code) {
    const { lines, total } = priceLines(this.items, code);
    const order = { id: `C-${this.items.length}`, currency: this.currency, lines, total };
    await Promise.resolve();
    return formatReceipt(order);
  }

  async refund(orderId) {
    const order = await loadOrder(orderId);
    const receipt = formatReceipt(order);
    return `REFUND\n${receipt}`;
  }
}
