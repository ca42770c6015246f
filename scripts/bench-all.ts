// Imports every feature's benchmark module so that each registers itself.
export {};
import './bench-ort';
import './bench-generate';
import './bench-explain';
