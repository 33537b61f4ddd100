// The Relay `Node` interface and the root `node(id)` / `nodes(ids)` fields. Their behaviour is set
// in builder.ts (IDs of unknown types answer null; each ID is looked up on its own, so one failing
// ID nulls only its item); each type's loader comes from its own module (`builder.node`).
import { builder } from '../builder.js';

builder.nodeInterfaceRef();
