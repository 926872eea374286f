// Price calculation: discounts and line totals.
import { PricingError, invariant } from "./errors.js";

export const DEFAULT_RULES = {
  maxDiscountPercent: 50,
  discounts: { SPRING10: 10, HALF: 50, BROKEN: 120 },
};

function discountPercent(code, rules) {
  if (!code) {
    return 0;
  }
  const percent = rules.discounts[code];
  invariant(percent !== undefined, `unknown discount code ${code}`, { code });
  return percent;
}

export function priceLine(item, code, rules) {
  const percent = discountPercent(code, rules);
  if (percent > rules.maxDiscountPercent) {
    throw new PricingError(`discount ${code} exceeds ${rules.maxDiscountPercent}%`, {
      sku: item.sku,
      percent,
    });
  }
  const gross = item.unitCents * item.qty;
  return { sku: item.sku, qty: item.qty, total: Math.round(gross * (1 - percent / 100)) };
}

export function priceLines(items, code, rules = DEFAULT_RULES) {
  const lines = items.map((item) => priceLine(item, code, rules));
  const total = lines.reduce((sum, line) => sum + line.total, 0);
  return { lines, total };
}
