// Error types and assertion helpers shared by the other modules.

export class AppError extends Error {
  constructor(message, details) {
    super(message);
    this.name = this.constructor.name;
    this.details = details ?? {};
  }

  describe() {
    const keys = Object.keys(this.details).sort();
    return `${this.name}: ${this.message} [${keys.join(", ")}]`;
  }
}

export class PricingError extends AppError {}

export class FormatError extends AppError {}

// Throws a FormatError when `condition` is falsy. It is called from several
// places, so bundlers keep it as a real function.
export function invariant(condition, message, details) {
  if (condition) {
    return;
  }
  const err = new FormatError(message, details);
  err.code = "E_INVARIANT";
  throw err;
}
