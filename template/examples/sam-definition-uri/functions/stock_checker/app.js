// Returns a random stock price between 0 and 100.
exports.handler = async () => ({ stock_price: Math.floor(Math.random() * 100) });
