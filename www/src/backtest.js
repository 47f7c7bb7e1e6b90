// The backtest panel: filled in below once the backtest API is in the package.
export function setupBacktest() {}
