// Shared facts only: this folder has no cluster file (`_`-prefixed files are modules, not clusters).
export const SHARED = {};
