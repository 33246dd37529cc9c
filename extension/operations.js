// Loader of the operations page: the admin's WASM file, shared with the options page (issue 19).
import init, { start_operations } from './pkg/admin.js';

await init({ module_or_path: './pkg/admin_bg.wasm' });
start_operations();
