// Filled in by its issue; re-exported from src/index.ts.
export {};
