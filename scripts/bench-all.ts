// Imports every feature's benchmark module so that each registers itself.
export {};
