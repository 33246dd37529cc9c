// Loader of the operations page: its own WASM file (issue 19).
import init, { start_operations } from './pkg/operations.js';

await init({ module_or_path: './pkg/operations_bg.wasm' });
start_operations();
