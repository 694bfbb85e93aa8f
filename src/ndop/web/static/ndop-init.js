// Start the NHS.UK frontend components. Kept in a file so the Content-Security-Policy needs no inline scripts.
import { initAll } from "./nhsuk-frontend.min.js";

initAll();
