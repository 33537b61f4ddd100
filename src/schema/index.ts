// The built schema: imports every schema module for its side effects (types and fields register
// on the builder), then builds. Exports nothing else, so no module can import a half-built schema.
import { builder } from '../builder.js';
import './node.js';
import './viewer.js';
import './location.js';
import './box.js';
import './voucher.js';
import './location-stats.js';
import './splash-page.js';
import './voucher-codes.js';
import './location-mutations.js';
import './box-mutations.js';
import './voucher-mutations.js';
import './voucher-code-mutations.js';
import './api-token.js';
import './live.js';

export const schema = builder.toSchema();
