// The schema shape every mutation shares: `name(input: <X>Input!): <Name>Payload!`, the payload holding
// the object written (or `deletedId`) beside userErrors, and the inputs more than one module takes
// (`<Type>IdInput`, coordinates). The mutation modules register their inputs and resolvers through these.
import type { InputFieldBuilder, InputObjectRef, ObjectRef } from '@pothos/core';
import { builder } from '../builder.js';
import type { GraphQLContext } from '../context.js';
import { type Payload, UserErrorRef } from './payload.js';

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** The `t` of an input type's `fields`, for field sets that more than one input shares. */
export type InputFields = InputFieldBuilder<BuilderTypes, 'InputObject'>;

/** An object type mutations return: its type, the payload field that holds it, and its name in descriptions. */
export interface MutationObject<T> {
  type: ObjectRef<BuilderTypes, T>;
  field: string;
  noun: string;
}

interface MutationOptions<Input, T> {
  description: string;
  /** The payload type's description; `Result of <name>.` when not given. */
  payloadDescription?: string;
  input: InputObjectRef<BuilderTypes, Input>;
  inputDescription: string;
  resolve: (ctx: GraphQLContext, input: Input) => Promise<Payload<T>>;
}

const USER_ERRORS_DESCRIPTION = 'Expected failures (validation, not found, refused); empty when the mutation succeeded.';

/** `<Name>IdInput { id: ID! }`: names one object. */
export function idInputType(name: string, noun: string): InputObjectRef<BuilderTypes, { id: string }> {
  return builder.inputType(name, {
    description: `Names one ${noun}.`,
    fields: (t) => ({ id: t.id({ required: true, description: `Global ID of the ${noun}.` }) }),
  });
}

/** `latitude` and `longitude` inputs, as locations and boxes take them (checked by `InputCheck.coordinates`). */
export const coordinateFields = (t: InputFields) => ({
  latitude: t.float({ description: 'Latitude in degrees, -90 to 90.' }),
  longitude: t.float({ description: 'Longitude in degrees, -180 to 180.' }),
});

/** A mutation whose `<Name>Payload` holds the object as CT now has it (null when userErrors is not empty). */
export function objectMutation<Input, T>(name: string, object: MutationObject<T>, o: MutationOptions<Input, T>): void {
  const payload = builder.objectRef<Payload<T>>(payloadName(name)).implement({
    description: o.payloadDescription ?? `Result of ${name}.`,
    fields: (t) => ({
      // `as never`: Pothos cannot resolve its result-shape conditional type for a generic T; the ref pins it.
      [object.field]: t.field({
        type: object.type,
        nullable: true,
        description: `The ${object.noun} as CT now has it; null when userErrors is not empty.`,
        resolve: (p) => p.result as never,
      }),
      userErrors: t.field({ type: [UserErrorRef], nullable: false, description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });
  inputMutation(name, payload, o);
}

/** A delete, whose `<Name>Payload` holds `deletedId`: the global ID of what is gone (null when userErrors is not empty). */
export function deleteMutation<Input>(name: string, noun: string, o: MutationOptions<Input, string>): void {
  const payload = builder.objectRef<Payload<string>>(payloadName(name)).implement({
    description: o.payloadDescription ?? `Result of ${name}.`,
    fields: (t) => ({
      deletedId: t.field({
        type: 'ID',
        nullable: true,
        description: `Global ID of the deleted ${noun}; null when userErrors is not empty.`,
        resolve: (p) => p.result,
      }),
      userErrors: t.field({ type: [UserErrorRef], nullable: false, description: USER_ERRORS_DESCRIPTION, resolve: (p) => p.userErrors }),
    }),
  });
  inputMutation(name, payload, o);
}

/** `createLocation` => `CreateLocationPayload` (the Relay convention the schema test checks). */
export const payloadName = (mutation: string): string => `${mutation.charAt(0).toUpperCase()}${mutation.slice(1)}Payload`;

function inputMutation<Input, T>(name: string, payload: ObjectRef<BuilderTypes, Payload<T>>, o: MutationOptions<Input, T>): void {
  builder.mutationField(name, (t) =>
    t.field({
      type: payload,
      nullable: false,
      description: o.description,
      args: { input: t.arg({ type: o.input, required: true, description: o.inputDescription }) },
      // The cast: Pothos cannot resolve the argument shape of a generic input ref; `o.input` pins it to Input.
      resolve: (_root, args, ctx) => o.resolve(ctx, (args as { input: Input }).input),
    }),
  );
}
