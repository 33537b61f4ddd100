/**
 * `--var name=value` for `ct-graphql query`: a value typed in a shell is text, and GraphQL refuses
 * the number 123 for a String variable as firmly as the text "5" for an Int one. So each value is
 * read against the variable's declared type in the document: String and ID take the text as
 * typed; any other type (Int, Float, Boolean, enums, input objects, lists) takes it as JSON when
 * it parses, and as text otherwise (an enum value such as ONLINE, a DateTime).
 */
import { CliError } from './errors.js';

type TypeNode = { kind: string; type?: TypeNode; name?: { value: string } };

/** The named type under any NonNull and List wrappers, and whether a List was among them. */
function baseType(node: TypeNode): { name: string; list: boolean } {
  let list = false;
  let current = node;
  while (current.type) {
    if (current.kind === 'ListType') list = true;
    current = current.type;
  }
  return { name: current.name?.value ?? '', list };
}

function asJsonOrText(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

export async function coerceVariables(document: string, pairs: Array<[string, string]>): Promise<Record<string, unknown>> {
  const declared = new Map<string, { name: string; list: boolean }>();
  // Loaded only when --var is used: the rest of the command never needs a GraphQL parser.
  const { parse } = await import('graphql');
  try {
    for (const definition of parse(document).definitions) {
      if (definition.kind !== 'OperationDefinition') continue;
      for (const v of definition.variableDefinitions ?? []) declared.set(v.variable.name.value, baseType(v.type as TypeNode));
    }
  } catch {
    // Not a valid document: the facade will say why; the values go as JSON-or-text.
  }
  const variables: Record<string, unknown> = {};
  for (const [name, raw] of pairs) {
    if (!/^[_A-Za-z][_0-9A-Za-z]*$/.test(name)) throw new CliError(`--var ${name}=…: "${name}" is not a GraphQL variable name.`);
    const type = declared.get(name);
    variables[name] = type && !type.list && (type.name === 'String' || type.name === 'ID') ? raw : asJsonOrText(raw);
  }
  return variables;
}
