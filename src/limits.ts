/**
 * Query limits checked before execution, and the cost a response reports. A query is priced in
 * CT calls: each field that needs CT costs its calls once per parent it resolves under, and a
 * connection multiplies what is inside it by its page size. The estimate is an upper bound (it
 * ignores deduplication and priming); the response's `extensions.cost.ctCalls` is the real count.
 */
import {
  GraphQLError,
  Kind,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type ParseOptions,
  type Source,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

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
  /** The executed operation's name, null when anonymous. */
  operationName: string | null;
}

/** Page size of a connection without first/last (DESIGN.md). */
export const DEFAULT_PAGE = 25;
/** CT calls a window of up to 100 items may need: it may straddle two CT pages. */
const CONNECTION_CALLS = 2;

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
};

function isConnectionType(type: GraphQLCompositeType): boolean {
  return isObjectType(type) && type.name.endsWith('Connection') && 'pageInfo' in type.getFields();
}

function valueOf(node: ValueNode, variables: Args): unknown {
  switch (node.kind) {
    case Kind.VARIABLE:
      return variables[node.name.value];
    case Kind.INT:
      return Number(node.value);
    case Kind.LIST:
      return node.values.map((v) => valueOf(v, variables));
    case Kind.NULL:
      return null;
    default:
      return 'value' in node ? node.value : undefined;
  }
}

function pageSize(args: Args): number {
  const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE;
  return Math.max(0, Math.min(size, 100));
}

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
  let aliases = 0;
  let maxDepth = 0;
  const root =
    operation?.operation === 'mutation' ? schema.getMutationType() : operation?.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  if (!operation || !root) return { estimatedCtCalls: 0, depth: 0, aliases: 0, operationName: null };

  function walk(set: SelectionSetNode, parent: GraphQLCompositeType, times: number, depth: number, seen: Set<string>): number {
    let calls = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (condition && isCompositeType(condition)) calls += walk(selection.selectionSet, condition, times, depth, seen);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue; // cycles are a validation error; never loop here
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (condition && isCompositeType(condition)) calls += walk(fragment.selectionSet, condition, times, depth, new Set([...seen, name]));
        continue;
      }
      if (selection.alias) aliases += 1;
      maxDepth = Math.max(maxDepth, depth);
      if (isObjectType(parent) && operation?.operation === 'mutation' && parent === root) calls += times * 2;
      const fields = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields() : undefined;
      const field = fields?.[selection.name.value];
      if (!field) continue;
      const args: Args = {};
      for (const arg of selection.arguments ?? []) args[arg.name.value] = valueOf(arg.value, variables);
      const returned = getNamedType(field.type);
      const price = FIELD_CALLS[`${parent.name}.${field.name}`];
      let childTimes = times;
      if (isCompositeType(returned) && isConnectionType(returned)) {
        calls += times * CONNECTION_CALLS;
        childTimes = times * pageSize(args);
      } else {
        if (price) calls += times * price(args);
        let type = field.type;
        if (isNonNullType(type)) type = type.ofType;
        if (isListType(type) && field.name === 'nodes' && Array.isArray(args.ids)) childTimes = times * args.ids.length;
      }
      if (selection.selectionSet && isCompositeType(returned)) {
        calls += walk(selection.selectionSet, returned, childTimes, depth + 1, seen);
      }
    }
    return calls;
  }

  const estimatedCtCalls = walk(operation.selectionSet, root, 1, 1, new Set());
  return { estimatedCtCalls, depth: maxDepth, aliases, operationName: operation.name?.value ?? null };
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
  const refuse = (message: string, extra: Record<string, unknown>) =>
    new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COSTLY', ...extra } });
  if (cost.depth > limits.maxDepth) {
    return refuse(`Query is nested ${cost.depth} levels deep; the limit is ${limits.maxDepth}.`, { depth: cost.depth, maxDepth: limits.maxDepth });
  }
  if (cost.aliases > limits.maxAliases) {
    return refuse(`Query uses ${cost.aliases} aliases; the limit is ${limits.maxAliases}.`, { aliases: cost.aliases, maxAliases: limits.maxAliases });
  }
  if (cost.estimatedCtCalls > limits.maxCtCalls) {
    return refuse(
      `Query could need up to ${cost.estimatedCtCalls} CT calls; the budget is ${limits.maxCtCalls}. Ask for smaller pages or fewer nested lists.`,
      { estimate: cost.estimatedCtCalls, budget: limits.maxCtCalls },
    );
  }
  return null;
}

/** The result with `extensions.cost`: the CT calls this request really made, and the estimate. */
export function withCost<R extends { extensions?: Record<string, unknown> | undefined }>(
  result: R,
  context: { ct: { readonly stats: { calls: number } } | null },
  cost: QueryCost,
): R {
  return { ...result, extensions: { ...result.extensions, cost: { ctCalls: context.ct?.stats.calls ?? 0, estimated: cost.estimatedCtCalls } } };
}
