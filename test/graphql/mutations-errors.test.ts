// Issue 5, the pieces under the mutations: MAC normalisation, CT error bodies (every shape of
// ct-api.md §7) mapped to userErrors at OUR input paths, unexpected CT failures rethrown, and
// descriptions on every type, field, argument and enum value the mutations add to the schema.
import { getNamedType, isEnumType, isInputObjectType, isObjectType, type GraphQLNamedType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CtAuthError, CtHttpError, CtUnavailableError, parseCtError } from '../../src/ct/errors.js';
import { inDomainTerms } from '../../src/ct/resources/write.js';
import { schema } from '../../src/schema/index.js';
import { normalizeMac } from '../../src/schema/mac.js';
import { ctUserErrors, ctWrite, type CtErrorSpec } from '../../src/schema/ct-refusals.js';
import { labelOf } from '../../src/schema/input-checks.js';

describe('normalizeMac', () => {
  it.each([
    ['aa:bb:cc:dd:ee:ff', 'aa:bb:cc:dd:ee:ff'],
    ['AA:BB:CC:DD:EE:FF', 'aa:bb:cc:dd:ee:ff'],
    ['AA-BB-CC-DD-EE-FF', 'aa:bb:cc:dd:ee:ff'],
    ['aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff'],
    ['AABB.CCDD.EEFF', 'aa:bb:cc:dd:ee:ff'],
    ['aabbccddeeff', 'aa:bb:cc:dd:ee:ff'],
    [' 00:11:22:33:44:55 ', '00:11:22:33:44:55'],
  ])('%s => %s', (input, expected) => {
    expect(normalizeMac(input)).toBe(expected);
  });

  it.each([
    '',
    'aa:bb:cc:dd:ee',
    'aa:bb:cc:dd:ee:ff:00',
    'aa:bb-cc:dd-ee:ff',
    'aabb.ccdd-eeff',
    'aa.bb.cc.dd.ee.ff',
    'gg:bb:cc:dd:ee:ff',
    'aabbccddeef',
    'a:b:c:d:e:f',
  ])('rejects %j', (input) => {
    expect(normalizeMac(input)).toBeNull();
  });
});

describe('CT errors => userErrors', () => {
  // CT's attributes are named as the domain names them by the CT resources, then placed in our input.
  const names = { location_name: 'name', calledstationid: 'mac', batch_name: 'name', session_timeout: 'sessionTimeoutMinutes' };
  const spec: CtErrorSpec = {
    fields: { name: ['input', 'name'], mac: ['input', 'mac'], sessionTimeoutMinutes: ['input', 'sessionTimeoutMinutes'] },
    notFound: ['input', 'id'],
    forbidden: ['input', 'id'],
  };
  const ct = (status: number, body: unknown): unknown =>
    inDomainTerms(parseCtError(status, JSON.stringify(body), new Headers(), 'POST'), names);

  it('maps {errors:{field:[msgs]}} to one INVALID per message at our path, worded with our names', () => {
    const errors = ctUserErrors(
      ct(422, { errors: { location_name: ["can't be blank", 'is too short'], session_timeout: ['must be less than or equal to 60'] } }),
      spec,
    );
    expect(errors).toEqual([
      { code: 'INVALID', field: ['input', 'name'], message: "Name can't be blank" },
      { code: 'INVALID', field: ['input', 'name'], message: 'Name is too short' },
      { code: 'INVALID', field: ['input', 'sessionTimeoutMinutes'], message: 'Session timeout minutes must be less than or equal to 60' },
    ]);
  });

  it('answers CONFLICT for "has already been taken"', () => {
    expect(ctUserErrors(ct(422, { errors: { calledstationid: ['has already been taken'] } }), spec)).toEqual([
      { code: 'CONFLICT', field: ['input', 'mac'], message: 'MAC has already been taken' },
    ]);
  });

  it('maps base errors and unknown attributes to ["input"] in CT words', () => {
    expect(ctUserErrors(ct(422, { errors: { base: ['Splash codes need a paid plan'], zone_id: ['is invalid'] } }), spec)).toEqual([
      { code: 'INVALID', field: ['input'], message: 'Splash codes need a paid plan' },
      { code: 'INVALID', field: ['input'], message: 'Zone id is invalid' },
    ]);
  });

  it('maps full-message arrays by their attribute prefix when one is known', () => {
    expect(
      ctUserErrors(ct(422, { errors: ["Location name can't be blank", 'Calledstationid has already been taken', 'Something else'] }), spec),
    ).toEqual([
      { code: 'INVALID', field: ['input', 'name'], message: "Name can't be blank" },
      { code: 'CONFLICT', field: ['input', 'mac'], message: 'MAC has already been taken' },
      { code: 'INVALID', field: ['input'], message: 'Something else' },
    ]);
  });

  it('maps a full message given under its attribute without repeating the attribute', () => {
    expect(ctUserErrors(ct(422, { errors: { batch_name: ["Batch name can't be blank"] } }), spec)).toEqual([
      { code: 'INVALID', field: ['input', 'name'], message: "Name can't be blank" },
    ]);
  });

  it('treats a 400 with an errors body as validation, and an empty 422 as INVALID at the input', () => {
    expect(ctUserErrors(ct(400, { errors: { location_name: ['is invalid'] } }), spec)).toEqual([
      { code: 'INVALID', field: ['input', 'name'], message: 'Name is invalid' },
    ]);
    expect(ctUserErrors(new CtHttpError({ status: 422, method: 'POST' }), spec)).toEqual([
      { code: 'INVALID', field: ['input'], message: 'CT rejected the input' },
    ]);
  });

  it('maps 404 to NOT_FOUND, 403 (message string or array) to FORBIDDEN with CT words, 409 to CONFLICT', () => {
    expect(ctUserErrors(ct(404, { message: 'Not found' }), spec)).toEqual([
      { code: 'NOT_FOUND', field: ['input', 'id'], message: expect.stringMatching(/^ID names nothing/) },
    ]);
    expect(ctUserErrors(ct(403, { message: 'Box refuses jobs' }), spec)).toEqual([
      { code: 'FORBIDDEN', field: ['input', 'id'], message: 'Box refuses jobs' },
    ]);
    expect(ctUserErrors(ct(403, { message: ['Plan limit', 'reached'] }), { ...spec, forbidden: null })).toEqual([
      { code: 'FORBIDDEN', field: null, message: 'Plan limit; reached' },
    ]);
    expect(ctUserErrors(ct(409, { message: 'Busy' }), spec)).toEqual([{ code: 'CONFLICT', field: ['input'], message: 'Busy' }]);
  });

  it('leaves unexpected failures to be thrown: 5xx, other 4xx, unavailability, auth, plain errors', async () => {
    for (const error of [
      ct(500, {}),
      ct(400, { message: 'bad' }),
      new CtUnavailableError({ code: 'ERR_CT_TIMEOUT', outcomeUnknown: true }),
      new CtAuthError(),
      new Error('boom'),
    ]) {
      expect(ctUserErrors(error, spec)).toBeNull();
    }
    const unavailable = new CtUnavailableError({ code: 'ERR_CT_UNAVAILABLE', outcomeUnknown: true });
    let calls = 0;
    await expect(
      ctWrite(spec, () => {
        calls++;
        return Promise.reject(unavailable);
      }),
    ).rejects.toBe(unavailable);
    expect(calls).toBe(1);
  });

  it('words input names for people', () => {
    expect(labelOf(['input', 'sessionTimeoutMinutes'])).toBe('Session timeout minutes');
    expect(labelOf(['input', 'mac'])).toBe('MAC');
    expect(labelOf(['input', 'toLocationId'])).toBe('To location ID');
    expect(labelOf(['input', 'tags', '2'])).toBe('Tags');
  });
});

describe('mutation schema', () => {
  const MUTATIONS = [
    'createLocation',
    'updateLocation',
    'archiveLocation',
    'restoreLocation',
    'deleteLocation',
    'addBox',
    'updateBox',
    'deleteBox',
    'rebootBox',
    'resetBox',
    'transferBox',
    'createVoucher',
    'updateVoucher',
    'deleteVoucher',
    'revokeApiToken',
    'setLocationFavourite',
    'cancelBoxReset',
    'regenerateVoucherFiles',
    'setVoucherCodeActive',
  ];
  /** The payload's result field where the mutation's name does not end with its type. */
  const RESULT_FIELDS: Record<string, string> = {
    setLocationFavourite: 'location',
    cancelBoxReset: 'box',
    regenerateVoucherFiles: 'voucher',
    setVoucherCodeActive: 'voucherCode',
  };

  const BULK_MUTATIONS: Record<string, { type: string; fields: string[] }> = {
    rebootBoxes: { type: 'RebootBoxResult', fields: ['id', 'box'] },
    resetBoxes: { type: 'ResetBoxResult', fields: ['id', 'box'] },
    transferBoxes: { type: 'TransferBoxResult', fields: ['id', 'box'] },
    createVouchers: { type: 'CreateVoucherResult', fields: ['voucher'] },
    deleteVouchers: { type: 'DeleteVoucherResult', fields: ['id', 'deletedId'] },
  };

  it('has every mutation of the sketch, each taking one non-null input and returning a non-null payload with userErrors', () => {
    const fields = schema.getMutationType()!.getFields();
    expect(Object.keys(fields).sort()).toEqual([...MUTATIONS, ...Object.keys(BULK_MUTATIONS)].sort());
    for (const name of MUTATIONS) {
      const field = fields[name]!;
      expect(field.args.map((a) => `${a.name}: ${a.type.toString()}`)).toEqual([expect.stringMatching(/^input: \w+Input!$/)]);
      expect(field.type.toString()).toBe(`${name.charAt(0).toUpperCase()}${name.slice(1)}Payload!`);
      const payload = getNamedType(field.type);
      expect(isObjectType(payload) && payload.getFields().userErrors?.type.toString()).toBe('[UserError!]!');
      const result =
        RESULT_FIELDS[name] ??
        (name.startsWith('delete') || name.startsWith('revoke')
          ? 'deletedId'
          : name.endsWith('Location')
            ? 'location'
            : name.endsWith('Box')
              ? 'box'
              : 'voucher');
      expect(isObjectType(payload) && Object.keys(payload.getFields()).sort()).toEqual([result, 'userErrors'].sort());
    }
    // DESIGN.md Part 2: `results: [<X>Result!]!` beside userErrors; each result `{ id box userErrors }` or alike.
    for (const [name, result] of Object.entries(BULK_MUTATIONS)) {
      const field = fields[name]!;
      expect(field.args.map((a) => `${a.name}: ${a.type.toString()}`)).toEqual([expect.stringMatching(/^input: \w+Input!$/)]);
      expect(field.type.toString()).toBe(`${name.charAt(0).toUpperCase()}${name.slice(1)}Payload!`);
      const payload = getNamedType(field.type);
      expect(isObjectType(payload) && Object.keys(payload.getFields()).sort()).toEqual(['results', 'userErrors']);
      expect(isObjectType(payload) && payload.getFields().results?.type.toString()).toBe(`[${result.type}!]!`);
      const item = schema.getType(result.type);
      expect(isObjectType(item) && Object.keys(item.getFields()).sort()).toEqual([...result.fields, 'userErrors'].sort());
    }
    expect(schema.getType('UserErrorCode')?.toString()).toBe('UserErrorCode');
    const codes = schema.getType('UserErrorCode');
    expect(
      isEnumType(codes) &&
        codes
          .getValues()
          .map((v) => v.name)
          .sort(),
    ).toEqual(['CONFLICT', 'FORBIDDEN', 'INVALID', 'NOT_FOUND']);
  });

  it('describes every mutation, argument, payload, input field, UserError field and enum value', () => {
    const missing: string[] = [];
    const seen = new Set<string>();
    const visit = (type: GraphQLNamedType): void => {
      if (seen.has(type.name) || type.name.startsWith('__')) return;
      seen.add(type.name);
      if (!type.description) missing.push(type.name);
      if (isEnumType(type)) for (const v of type.getValues()) if (!v.description) missing.push(`${type.name}.${v.name}`);
      if (isInputObjectType(type)) {
        for (const f of Object.values(type.getFields())) {
          if (!f.description) missing.push(`${type.name}.${f.name}`);
          visit(getNamedType(f.type));
        }
      }
    };
    for (const field of Object.values(schema.getMutationType()!.getFields())) {
      if (!field.description) missing.push(`Mutation.${field.name}`);
      for (const arg of field.args) {
        if (!arg.description) missing.push(`Mutation.${field.name}(${arg.name})`);
        visit(getNamedType(arg.type));
      }
      const payload = getNamedType(field.type);
      visit(payload);
      if (isObjectType(payload))
        for (const f of Object.values(payload.getFields())) if (!f.description) missing.push(`${payload.name}.${f.name}`);
    }
    const userError = schema.getType('UserError');
    visit(userError!);
    if (isObjectType(userError))
      for (const f of Object.values(userError.getFields())) if (!f.description) missing.push(`UserError.${f.name}`);
    visit(schema.getType('UserErrorCode')!);
    expect(missing.filter((m) => !['ID', 'String', 'Int', 'Float', 'Boolean'].includes(m))).toEqual([]);
  });
});
