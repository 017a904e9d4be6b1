// Buys the stock at the given price.
const { randomUUID } = require('node:crypto');
exports.handler = async (event) => ({
  id: randomUUID(),
  price: String(event.stock_price),
  type: 'buy',
  qty: String(Math.floor(Math.random() * 100) + 1),
  timestamp: new Date().toISOString(),
});
