// The backtest Web Worker.
export {};
