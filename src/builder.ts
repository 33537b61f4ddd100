// The Pothos schema builder: plugins, the DateTime scalar, Relay settings (opaque base64url global
// IDs, connection/PageInfo descriptions and nullability) and the empty root types. Domain types live
// in src/schema/; nothing here knows about locations, boxes or vouchers.
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import { type GraphQLError, type GraphQLSchema, isObjectType, Kind } from 'graphql';
import type { GraphQLContext } from './context.js';
import { codedError } from './errors.js';

/** What every connection resolver returns besides edges and pageInfo; lazy when it costs a CT call. */
export interface ConnectionExtras {
  totalCount: number | Promise<number>;
}

/** `Type:key`, base64url without padding: opaque to clients, URL-safe, and stable for a given object. */
export function encodeGlobalId(typename: string, key: string | number | bigint): string {
  return Buffer.from(`${typename}:${key}`, 'utf8').toString('base64url');
}

const TYPENAME = /^[A-Z_a-z]\w*$/;

/** Inverse of `encodeGlobalId`; anything that is not one is the caller's mistake (BAD_USER_INPUT). */
export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const invalid = (): GraphQLError => codedError(`Invalid ID: ${JSON.stringify(globalId.slice(0, 100))}`, 'BAD_USER_INPUT');
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(globalId)) throw invalid();
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const at = decoded.indexOf(':');
  const typename = decoded.slice(0, at);
  const id = decoded.slice(at + 1);
  if (at <= 0 || id.length === 0 || !TYPENAME.test(typename)) throw invalid();
  return { typename, id };
}

/** A well-formed ID of a type that is not a Node (or no type at all) names nothing: `node` answers null. */
export function isNodeType(schema: GraphQLSchema, typename: string): boolean {
  const type = schema.getType(typename);
  return isObjectType(type) && type.getInterfaces().some((i) => i.name === 'Node');
}

/** CT timestamps are epoch seconds; a Date is accepted too, for values the facade computes itself. */
function toIso(value: unknown): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError('DateTime cannot represent an invalid Date');
    return value.toISOString();
  }
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && /^\d+$/.test(value)) return new Date(Number(value) * 1000).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new TypeError(`DateTime cannot represent ${typeof value} value`);
}

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : null;
  if (!date || !/^\d{4}-\d{2}-\d{2}T/.test(value as string) || Number.isNaN(date.getTime())) {
    throw codedError('DateTime must be an ISO-8601 date-time string, e.g. "2024-05-01T12:00:00Z".', 'BAD_USER_INPUT');
  }
  return date;
}

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    ID: { Input: string; Output: string | number };
    DateTime: { Input: Date; Output: Date | number };
  };
  Connection: ConnectionExtras;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
}>({
  plugins: [RelayPlugin],
  relay: {
    encodeGlobalID: (typename, id) => encodeGlobalId(typename, id),
    decodeGlobalID: (globalId) => decodeGlobalId(globalId),
    nodesOnConnection: { description: 'The objects of this page, in order: a shortcut for `edges { node }`.' },
    edgesFieldOptions: { nullable: false, description: 'The objects of this page, each with its cursor.' },
    nodeFieldOptions: { nullable: false, description: 'The object at this position.' },
    cursorFieldOptions: { description: 'Opaque position of this object in the list; pass it to `after` or `before`.' },
    pageInfoFieldOptions: { description: 'Where this page sits in the whole list.' },
    idFieldOptions: { description: 'Opaque global ID; refetch the object with `node(id:)`.' },
    nodeTypeOptions: { description: 'An object with a global ID that `node(id:)` and `nodes(ids:)` can refetch.' },
    pageInfoTypeOptions: { description: 'Paging state of a connection (Relay cursor connections).' },
    hasNextPageFieldOptions: { description: 'True when the list has objects after this page.' },
    hasPreviousPageFieldOptions: { description: 'True when the list has objects before this page.' },
    startCursorFieldOptions: { description: 'Cursor of the first object of this page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'Cursor of the last object of this page; null when the page is empty.' },
    firstArgOptions: {
      description: 'Return at most this many objects from the start of the window (0 to 100; 25 when neither `first` nor `last` is given).',
    },
    lastArgOptions: { description: 'Return at most this many objects from the end of the window (0 to 100).' },
    afterArgOptions: { description: 'Start after the object with this cursor.' },
    beforeArgOptions: { description: 'End before the object with this cursor.' },
    nodeQueryOptions: {
      description: 'Any object by its global ID; null when it does not exist (or is not visible to you).',
      args: { id: { description: 'A global ID, as returned in an `id` field.' } },
      resolve: (_root, { id }, _ctx, info, resolveNode) => (isNodeType(info.schema, id.typename) ? resolveNode(id) : null),
    },
    // Defined in schema/node.ts: the plugin decodes every ID before the resolver runs, so one
    // malformed ID would fail the whole (non-null) list and null `data` with it.
    nodesQueryOptions: false,
  },
});

builder.scalarType('DateTime', {
  description: 'A point in time as an ISO-8601 string in UTC, e.g. "2024-05-01T12:00:00.000Z" (CT itself sends epoch seconds).',
  serialize: (value) => toIso(value),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : null),
});

builder.queryType({ description: 'Reads: the signed-in CT account, its locations, boxes and vouchers.' });
builder.mutationType({ description: 'Changes to locations, boxes and vouchers in CT.' });

builder.globalConnectionField('totalCount', (t) =>
  t.int({
    nullable: false,
    description: 'How many objects the whole list has (CT `total_entries`), not only this page.',
    resolve: (connection) => connection.totalCount,
  }),
);
