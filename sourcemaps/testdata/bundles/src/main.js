// Entry point. Runs one of two scenarios that end in an error and prints
// err.stack to stdout:
//
//   node src/main.js            checkout with a bad discount (synchronous chain)
//   node src/main.js refund     refund of an order with a bad currency (after await)
//   node src/main.js ok         both flows succeed
import { Cart } from "./cart.js";

async function runCheckout(code) {
  const cart = new Cart("EUR").add("book", 2, 1999).add("pen", 10, 150);
  const receipt = await cart.checkout(code);
  if (!receipt) {
    throw new Error("empty receipt");
  }
  return receipt;
}

async function runRefund(orderId) {
  const cart = new Cart("EUR");
  const receipt = await cart.refund(orderId);
  if (!receipt) {
    throw new Error("empty receipt");
  }
  return receipt;
}

async function main(argv) {
  const scenario = argv[0] ?? "checkout";
  try {
    if (scenario === "checkout") {
      console.log(await runCheckout("BROKEN"));
    } else if (scenario === "refund") {
      console.log(await runRefund("A-200"));
    } else if (scenario === "ok") {
      console.log(await runCheckout("SPRING10"));
      console.log(await runRefund("A-100"));
    } else {
      throw new Error(`unknown scenario ${scenario}`);
    }
  } catch (err) {
    console.log(err.stack);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2));
