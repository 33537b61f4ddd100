// What the bulk mutations (rebootBoxes, resetBoxes, transferBoxes, createVouchers, deleteVouchers)
// share: the `<Name>Payload { results, userErrors }` and `<Item>Result` types, the item cap, paths
// of an item's input, and the runner. Items run together, each CT call within the request's bound
// on concurrent CT calls (loaders.throttle), never one after another as aliased root mutations do;
// results come back in input order. Input problems of any item stop the whole request before its
// first CT call; CT's answer to one item never affects another.
import type { InputObjectRef, ObjectRef } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { MAX_BULK_ITEMS } from '../limits.js';
import type { InputPath } from './input-checks.js';
import { payloadName } from './mutation-fields.js';
import { type UserError, UserErrorRef } from './payload.js';

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** One item's outcome: the object written (or a deleted object's ID), or why not. */
export interface ItemResult<T> {
  /** The ID the item named, for results that echo it. */
  id: string | null;
  result: T | null;
  userErrors: UserError[];
  /** An unexpected failure of this item alone (CT unavailable, outcome unknown): raised at the item's result field. */
  failure?: unknown;
}

/** The payload of a bulk mutation: one result per item in input order, or (with none run) the input's problems. */
export interface BulkPayload<T> {
  results: ItemResult<T>[];
  userErrors: UserError[];
}

const USER_ERRORS_DESCRIPTION = 'Expected failures (validation, not found, refused); empty when the mutation succeeded.';

/** The path of item `index` of the input list `list`, and of a field inside it: `["input", "items", "3", "quantity"]`. */
export const itemPath = (list: string, index: number, ...rest: string[]): InputPath => ['input', list, String(index), ...rest];

/** userErrors found at paths of a single mutation's input (`["input", "quantity"]`) moved under item `index` of `list`. */
export function underItem(errors: UserError[], list: string, index: number): UserError[] {
  return errors.map((e) => ({
    ...e,
    field: e.field && e.field[0] === 'input' ? [...itemPath(list, index), ...e.field.slice(1)] : e.field,
  }));
}

/** The request-level refusal of a list over the cap (limits.ts refuses it earlier, before the operation runs). */
export function checkItemCount(list: string, count: number): void {
  if (count > MAX_BULK_ITEMS) {
    throw new GraphQLError(`At most ${MAX_BULK_ITEMS} items per request; input.${list} has ${count}.`, {
      extensions: { code: 'BAD_USER_INPUT', field: ['input', list], items: count, maxItems: MAX_BULK_ITEMS },
    });
  }
}

/** INVALID userErrors for every item that repeats an earlier one (by `keyOf`): each item is one CT object, acted on once. */
export function repeatedItems<I>(items: readonly I[], list: string, keyOf: (item: I) => string | null, what: string): UserError[] {
  const first = new Map<string, number>();
  const errors: UserError[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (key === null) return;
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, index);
    else errors.push({ code: 'INVALID', field: [...itemPath(list, index)], message: `${what} repeats item ${earlier}` });
  });
  return errors;
}

/**
 * Runs `run` for every item at once and returns the outcomes in input order. Each item's CT calls
 * go through loaders.throttle (writes) or the loaders (reads), which bound them per request. A
 * failure thrown by one item stays in its result (raised at its result field, so it reaches
 * `errors` with that path) and marks an idempotent request as not final.
 */
export async function runItems<I, T>(
  ctx: GraphQLContext,
  items: readonly I[],
  run: (item: I, index: number) => Promise<ItemResult<T>>,
  idOf: (item: I, index: number) => string | null,
): Promise<ItemResult<T>[]> {
  return Promise.all(
    items.map(async (item, index) => {
      try {
        return await run(item, index);
      } catch (failure) {
        if (ctx.idempotency) ctx.idempotency.unsettled = true;
        return { id: idOf(item, index), result: null, userErrors: [], failure };
      }
    }),
  );
}

/**
 * `<name>`: an object type with the item's `id` (when `withId`), its result under `field`, and its
 * userErrors. The result field raises the item's unexpected failure, so the response's `errors`
 * names the item by its path (`["rebootBoxes", "results", 3, "box"]`).
 */
export function itemResultType<T>(
  name: string,
  o: {
    description: string;
    withId: boolean;
    field: string;
    type: ObjectRef<BuilderTypes, T> | 'ID';
    fieldDescription: string;
  },
): ObjectRef<BuilderTypes, ItemResult<T>> {
  return builder.objectRef<ItemResult<T>>(name).implement({
    description: o.description,
    fields: (t) => ({
      ...(o.withId
        ? {
            id: t.field({
              type: 'ID',
              nullable: false,
              description: 'The ID this item gave, as given.',
              resolve: (r) => r.id ?? '',
            }),
          }
        : {}),
      [o.field]: t.field({
        // `as never`: Pothos cannot resolve its result-shape conditional type for a generic T; the ref pins it.
        type: o.type as never,
        nullable: true,
        description: o.fieldDescription,
        resolve: (r) => {
          if (r.failure !== undefined) throw r.failure;
          return r.result as never;
        },
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        nullable: false,
        description: `${USER_ERRORS_DESCRIPTION} Paths point into this item of the input.`,
        resolve: (r) => r.userErrors,
      }),
    }),
  });
}

/** `name(input: <X>!): <Name>Payload!` with `results: [<Result>!]!` and the request's `userErrors`. */
export function bulkMutation<Input, T>(
  name: string,
  o: {
    description: string;
    payloadDescription: string;
    result: ObjectRef<BuilderTypes, ItemResult<T>>;
    input: InputObjectRef<BuilderTypes, Input>;
    inputDescription: string;
    resolve: (ctx: GraphQLContext, input: Input) => Promise<BulkPayload<T>>;
  },
): void {
  const payload = builder.objectRef<BulkPayload<T>>(payloadName(name)).implement({
    description: o.payloadDescription,
    fields: (t) => ({
      results: t.field({
        type: [o.result],
        nullable: false,
        description: 'One result per item, in input order; empty when userErrors says why nothing was done.',
        resolve: (p) => p.results,
      }),
      userErrors: t.field({
        type: [UserErrorRef],
        nullable: false,
        description:
          'Problems with the input as a whole or with any item, found before anything was sent to CT; when not empty, nothing was done ' +
          'and results is empty. CT refusals of single items are in their own results.',
        resolve: (p) => p.userErrors,
      }),
    }),
  });
  builder.mutationField(name, (t) =>
    t.field({
      type: payload,
      nullable: false,
      description: o.description,
      args: { input: t.arg({ type: o.input, required: true, description: o.inputDescription }) },
      resolve: (_root, args, ctx) => o.resolve(ctx, (args as { input: Input }).input),
    }),
  );
}

/** The payload when the input itself is refused: nothing was sent to CT. */
export const refused = <T>(userErrors: UserError[]): BulkPayload<T> => ({ results: [], userErrors });
