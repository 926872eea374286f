// Money and receipt formatting.
import { invariant } from "./errors.js";

const SYMBOLS = { EUR: "€", USD: "$", GBP: "£" };

export function formatMoney(cents, currency) {
  invariant(Number.isInteger(cents), "amount must be whole cents", { cents });
  const symbol = SYMBOLS[currency];
  invariant(symbol !== undefined, `unknown currency ${currency}`, { currency });
  const sign = cents < 0 ? "-" : "";
  const abs = Math.abs(cents);
  return `${sign}${symbol}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

export function formatReceipt(order) {
  const lines = [`Order ${order.id}`];
  for (const line of order.lines) {
    lines.push(`  ${line.sku.padEnd(8)} x${line.qty}  ${formatMoney(line.total, order.currency)}`);
  }
  lines.push(`  total: ${formatMoney(order.total, order.currency)}`);
  return lines.join("\n");
}
