/**
 * Query limits checked before execution, and the cost a response reports. A query is priced in
 * CT calls: each field that needs CT costs its calls once per parent it resolves under, and a
 * connection multiplies what is inside it by its page size. The estimate is an upper bound (it
 * ignores deduplication and priming); the response's `extensions.cost.ctCalls` is the real count.
 */
import {
  GraphQLError,
  Kind,
  getArgumentValues,
  getNamedType,
  getVariableValues,
  isCompositeType,
  isInterfaceType,
  isObjectType,
  parse,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type Source,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SCAN_PAGES } from './schema/connection.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxCtCalls: number;
}

export type QueryLimits = Limits & { maxTokens: number };

export interface QueryCost {
  estimatedCtCalls: number;
  depth: number;
  aliases: number;
  /**
   * Field selections once every fragment is inlined: what graphql-jit would generate code for.
   * Counted with each fragment measured once, so a document that doubles per level is priced
   * in linear time and can be refused before anything expands it.
   */
  selections: number;
  /** The executed operation's name, null when anonymous. */
  operationName: string | null;
  /** query, mutation or subscription: what the credential's scope is checked against. */
  operationType: 'query' | 'mutation' | 'subscription';
  /** A bulk mutation given more than MAX_BULK_ITEMS items (the first one seen): refused as BAD_USER_INPUT. */
  tooManyItems: { field: string; list: string; items: number } | null;
  /**
   * The price read an argument given by a variable (`first: $n`, a bulk `input: $input`): other
   * variables may price the operation differently. When false, the cost holds for every request
   * of this document (pipeline.ts keeps it instead of pricing each request again).
   */
  variablesPriced: boolean;
}

/**
 * CT calls one connection may need: a forward window of up to 100 items can straddle two CT
 * pages; a window counted from the end (`last`) may first need the total, and a stale cursor can
 * make it slide once more.
 */
const FORWARD_WINDOW_CALLS = 2;
const BACKWARD_WINDOW_CALLS = 4;

type Args = Record<string, unknown>;
/** CT calls one resolution of a field may make, by schema coordinate. Unlisted fields cost 0. */
const FIELD_CALLS: Record<string, (args: Args) => number> = {
  'Query.viewer': () => 1,
  'Query.node': () => 1,
  'Query.nodes': (a) => (Array.isArray(a.ids) ? a.ids.length : 1),
  'Query.location': () => 1,
  'Query.box': () => 1,
  'Box.location': () => 1,
  'Voucher.location': () => 1,
  'Location.stats': () => 1,
  'Location.splashPages': () => 1,
  'Voucher.splashPage': () => 1,
  'SplashPage.location': () => 1,
  'Box.reachable': () => 1,
  // A searched code: its location, then the batch list filtered by its username.
  'VoucherCode.voucher': () => 2,
  'VoucherCode.location': () => 1,
  // Subscribing: who the caller is in CT (/me.json, once per access token), and the first poll or
  // the batch read; the shared polls after that are nobody's request. Each event's selection is
  // priced like any other.
  'Subscription.boxStateChanged': () => 2,
  'Subscription.voucherCompleted': () => 2,
};
/**
 * CT calls of a connection field's window when they differ from a plain window's (below), by schema
 * coordinate; undefined keeps the plain price. `locations(archived:)` reads the whole list.
 */
const CONNECTION_CALLS: Record<string, (args: Args) => number | undefined> = {
  'Query.locations': (a) => (typeof a.archived === 'boolean' ? MAX_SCAN_PAGES : undefined),
};
/**
 * CT calls one root mutation may make at worst, by schema coordinate: the write, plus every read its
 * resolver can need (src/schema/*-mutations.ts). A write that CT answers without the object is
 * read back once; transferBox first reads the target location and, when that record lacks
 * `unique_id`, the picker list. Fields of the payload are priced like any other field. A test
 * fails when a Mutation field is missing here.
 */
/** The most items one bulk mutation takes; more is BAD_USER_INPUT, refused before any CT call. */
export const MAX_BULK_ITEMS = 100;

/**
 * The price of a bulk mutation: `perItem` for each item of its input list `list` (the single
 * mutation's worst case), plus `fixed` once per request. Whatever its payload selects under
 * `results` is priced once per item too.
 */
export interface BulkPrice {
  list: string;
  /** A number, or what one item costs as its arguments say. */
  perItem: number | ((item: Args) => number);
  fixed: number;
}

export const MUTATION_CALLS: Readonly<Record<string, number | BulkPrice>> = {
  'Mutation.createLocation': 2, // POST; a retry under an Idempotency-Key after an unknown outcome looks on CT first
  'Mutation.updateLocation': 2, // PATCH, read back
  'Mutation.archiveLocation': 2, // PATCH, read back
  'Mutation.restoreLocation': 2, // PATCH, read back
  'Mutation.deleteLocation': 1, // DELETE
  'Mutation.addBox': 2, // POST; after an unknown outcome, a retry with the same key first looks for the MAC
  'Mutation.updateBox': 2, // PATCH, read back
  'Mutation.rebootBox': 2, // PATCH, read back
  'Mutation.resetBox': 2, // PATCH, read back
  'Mutation.transferBox': 4, // GET target, GET picker list, PATCH, read back
  'Mutation.deleteBox': 1, // DELETE
  'Mutation.createVoucher': 3, // GET the location's splash pages (only for a CT splash page id); a retry's look on CT; POST
  'Mutation.updateVoucher': 2, // PATCH, read back
  'Mutation.deleteVoucher': 1, // DELETE
  'Mutation.revokeApiToken': 1, // GET /me.json for a session (whose tokens?); the revocation itself is an OAuth call
  'Mutation.setLocationFavourite': 2, // PATCH, read back
  'Mutation.cancelBoxReset': 2, // PATCH, read back
  'Mutation.regenerateVoucherFiles': 2, // PATCH, read back
  'Mutation.setVoucherCodeActive': 2, // PATCH, read back through the code search
  'Mutation.rebootBoxes': { list: 'ids', perItem: 2, fixed: 0 }, // per box: PATCH, read back
  'Mutation.resetBoxes': { list: 'ids', perItem: 2, fixed: 0 }, // per box: PATCH, read back
  'Mutation.transferBoxes': { list: 'ids', perItem: 2, fixed: 2 }, // once: GET target, GET picker list; per box: PATCH, read back
  // Per batch: a retry's look on CT, the POST, and its location's splash pages when it names one by CT id.
  'Mutation.createVouchers': {
    list: 'items',
    perItem: (item) => (typeof item.splashPageId === 'string' && /^\d+$/.test(item.splashPageId) ? 3 : 2),
    fixed: 0,
  },
  'Mutation.deleteVouchers': { list: 'ids', perItem: 1, fixed: 0 }, // per batch: DELETE
};
/** A root mutation missing from the table is never priced below the dearest single one. */
const UNLISTED_MUTATION_CALLS = Math.max(...Object.values(MUTATION_CALLS).filter((price) => typeof price === 'number'));

const isArgs = (value: unknown): value is Args => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The items a bulk mutation's arguments hold in its list. */
function bulkItems(args: Args, list: string): unknown[] {
  const items = isArgs(args.input) ? args.input[list] : undefined;
  return Array.isArray(items) ? items : [];
}

function isConnectionType(type: GraphQLCompositeType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection') && 'pageInfo' in type.getFields();
}

function pageSize(args: Args): number {
  const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE_SIZE;
  return Math.max(0, Math.min(size, MAX_PAGE_SIZE));
}

/** What a selection costs for ONE instance of its parent; every level scales linearly. */
interface Measure {
  calls: number;
  /** Levels of fields in this selection, itself included. */
  depth: number;
  /** Fields in this selection with fragments inlined, itself included. */
  selections: number;
}

const NOTHING: Measure = { calls: 0, depth: 0, selections: 0 };

/**
 * Prices an operation: CT calls (an upper bound: no deduplication or priming is assumed), depth
 * and aliases. Each fragment is measured once, so repeated spreads cannot make this slow, and
 * arguments are read as execution will see them (variables, their defaults, schema defaults).
 */
export function measureQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Args = {},
): QueryCost {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName)) operation ??= def;
  }
  const root =
    operation?.operation === 'mutation'
      ? schema.getMutationType()
      : operation?.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!operation || !root) {
    return {
      estimatedCtCalls: 0,
      depth: 0,
      aliases: 0,
      selections: 0,
      operationName: null,
      operationType: 'query',
      tooManyItems: null,
      variablesPriced: false,
    };
  }

  // Aliases are counted as written, once each: the limit is on the document a client sends.
  let aliases = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases += 1;
    },
  });
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  const variableValues = coerced.coerced ?? variables;
  const isMutation = operation.operation === 'mutation';
  let tooManyItems: QueryCost['tooManyItems'] = null;
  const fragmentMeasures = new Map<string, Measure>();
  const measuring = new Set<string>();

  let variablesPriced = false;
  function argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode): Args {
    const fromVariables = new Set(node.arguments?.filter((a) => hasVariable(a.value)).map((a) => a.name.value));
    let args: Args;
    try {
      args = getArgumentValues(field, node, variableValues);
    } catch {
      variablesPriced ||= fromVariables.size > 0;
      return {}; // execution refuses such arguments; price them as absent
    }
    if (fromVariables.size === 0) return args;
    // Which arguments the price tables read is theirs to say: note each read of a variable's value.
    return new Proxy(args, {
      get(target, key) {
        if (typeof key === 'string' && fromVariables.has(key)) variablesPriced = true;
        return Reflect.get(target, key);
      },
    });
  }

  function measureFragment(name: string): Measure {
    const known = fragmentMeasures.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment || measuring.has(name)) return NOTHING; // cycles fail validation anyway
    const condition = schema.getType(fragment.typeCondition.name.value);
    measuring.add(name);
    const measure = condition && isCompositeType(condition) ? measureSet(fragment.selectionSet, condition) : NOTHING;
    measuring.delete(name);
    fragmentMeasures.set(name, measure);
    return measure;
  }

  function measureSet(set: SelectionSetNode, parent: GraphQLCompositeType): Measure {
    let calls = 0;
    let depth = 0;
    let selections = 0;
    for (const selection of set.selections) {
      let part: Measure;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        part = condition && isCompositeType(condition) ? measureSet(selection.selectionSet, condition) : NOTHING;
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        part = measureFragment(selection.name.value);
      } else {
        part = measureField(selection, parent);
      }
      calls += part.calls;
      depth = Math.max(depth, part.depth);
      selections += part.selections;
    }
    return { calls, depth, selections };
  }

  function measureField(node: FieldNode, parent: GraphQLCompositeType): Measure {
    const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : undefined;
    const field = fields?.[node.name.value];
    if (!field) return { calls: 0, depth: 1, selections: 1 };
    const args = argumentsOf(field, node);
    const returned = getNamedType(field.type);
    const child = node.selectionSet && isCompositeType(returned) ? measureSet(node.selectionSet, returned) : NOTHING;
    const price = isMutation && parent === root ? (MUTATION_CALLS[`${parent.name}.${field.name}`] ?? UNLISTED_MUTATION_CALLS) : 0;
    let calls = typeof price === 'number' ? price : 0;
    if (typeof price !== 'number') {
      // A bulk mutation: its price and everything its payload selects, once per item.
      const items = bulkItems(args, price.list);
      if (items.length > MAX_BULK_ITEMS) tooManyItems ??= { field: field.name, list: price.list, items: items.length };
      const perItem = (item: unknown) => (typeof price.perItem === 'number' ? price.perItem : price.perItem(isArgs(item) ? item : {}));
      calls = price.fixed + items.reduce<number>((sum, item) => sum + perItem(item) + child.calls, 0);
    } else if (isCompositeType(returned) && isConnectionType(returned)) {
      const window = CONNECTION_CALLS[`${parent.name}.${field.name}`]?.(args);
      calls += (window ?? (typeof args.last === 'number' ? BACKWARD_WINDOW_CALLS : FORWARD_WINDOW_CALLS)) + pageSize(args) * child.calls;
    } else {
      calls += FIELD_CALLS[`${parent.name}.${field.name}`]?.(args) ?? 0;
      calls += (field.name === 'nodes' && Array.isArray(args.ids) ? args.ids.length : 1) * child.calls;
    }
    return { calls, depth: child.depth + 1, selections: child.selections + 1 };
  }

  const measure = measureSet(operation.selectionSet, root);
  return {
    estimatedCtCalls: measure.calls,
    depth: measure.depth,
    aliases,
    selections: measure.selections,
    operationName: operation.name?.value ?? null,
    operationType: operation.operation,
    tooManyItems,
    variablesPriced,
  };
}

function hasVariable(value: ValueNode): boolean {
  if (value.kind === Kind.VARIABLE) return true;
  if (value.kind === Kind.LIST) return value.values.some(hasVariable);
  if (value.kind === Kind.OBJECT) return value.fields.some((field) => hasVariable(field.value));
  return false;
}

/** graphql's parse with a token limit; a document over it is refused as QUERY_TOO_COSTLY. */
export function parseWithLimit(source: string | Source, maxTokens: number, options?: ParseOptions): DocumentNode {
  try {
    return parse(source, { ...options, maxTokens });
  } catch (error) {
    if (error instanceof GraphQLError && /tokens/.test(error.message) && /aborted/i.test(error.message)) {
      throw new GraphQLError(`Query has more than ${maxTokens} tokens.`, { extensions: { code: 'QUERY_TOO_COSTLY', maxTokens } });
    }
    throw error;
  }
}

/** The refusal for a query over a limit, before any CT call. */
export function checkLimits(cost: QueryCost, limits: Limits): GraphQLError | null {
  if (cost.tooManyItems) {
    const { field, list, items } = cost.tooManyItems;
    return new GraphQLError(`${field} takes at most ${MAX_BULK_ITEMS} items per request; input.${list} has ${items}.`, {
      extensions: { code: 'BAD_USER_INPUT', field: ['input', list], items, maxItems: MAX_BULK_ITEMS },
    });
  }
  const refuse = (message: string, extra: Record<string, unknown>) =>
    new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COSTLY', ...extra } });
  if (cost.depth > limits.maxDepth) {
    return refuse(`Query is nested ${cost.depth} levels deep; the limit is ${limits.maxDepth}.`, {
      depth: cost.depth,
      maxDepth: limits.maxDepth,
    });
  }
  if (cost.aliases > limits.maxAliases) {
    return refuse(`Query uses ${cost.aliases} aliases; the limit is ${limits.maxAliases}.`, {
      aliases: cost.aliases,
      maxAliases: limits.maxAliases,
    });
  }
  if (cost.estimatedCtCalls > limits.maxCtCalls) {
    return refuse(
      `Query could need up to ${cost.estimatedCtCalls} CT calls; the budget is ${limits.maxCtCalls}. Ask for smaller pages or fewer ` +
        `nested lists.`,
      { estimate: cost.estimatedCtCalls, budget: limits.maxCtCalls },
    );
  }
  return null;
}
