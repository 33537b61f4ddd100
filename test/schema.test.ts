// The committed contract files stay in step with the code: schema.graphql equals the schema printed
// from code, every type/field/argument/enum value carries a description, and the typed documents in
// test/gql/ equal what codegen makes from schema.graphql and the test operations today.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedScalarType,
  validateSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import codegenConfig from '../codegen.js';
import { printedSchema, SCHEMA_FILE } from '../scripts/print-schema.js';
import { schema } from '../src/schema/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('schema.graphql', () => {
  it('is valid', () => {
    expect(validateSchema(schema).map((e) => e.message)).toEqual([]);
  });

  it('equals the schema printed from code (run `npm run schema` after changing the schema)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(printedSchema());
  });

  it('describes every type, field, argument, input field and enum value', () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (isIntrospectionType(type) || isSpecifiedScalarType(type)) continue;
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of field.args) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
      if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('test/gql (codegen output)', () => {
  it('equals what codegen generates now (run `npm run codegen` after changing schema.graphql or the operations)', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: ROOT, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      const committed = readFileSync(new URL(`../${output.filename}`, import.meta.url), 'utf8');
      expect(committed, output.filename).toBe(output.content);
    }
  });
});
