// What a query asks for under a field, read from the resolver's `info`: a resolver that already knows
// every field asked for can answer without a CT call. graphql-js and graphql-jit (compiled operations)
// both give resolvers the field's nodes, the document's fragments and the variables, which is all this reads.
import {
  type DirectiveNode,
  type GraphQLResolveInfo,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  Kind,
  type SelectionSetNode,
} from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>;

/**
 * False only when `@skip(if: true)` or `@include(if: false)` leaves the selection out. A directive
 * that cannot be read counts as included: at worst a CT call is made that was not needed.
 */
function included(node: { readonly directives?: ReadonlyArray<DirectiveNode> }, variables: SelectionInfo['variableValues']): boolean {
  if (!node.directives?.length) return true;
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  } catch {
    return true;
  }
  return true;
}

/**
 * True when every field selected under this field is a leaf named in `known`: across all its field
 * nodes (the same response key may be asked for more than once), whatever the aliases, through inline
 * fragments and named fragments, leaving out what `@skip`/`@include` leave out. A field with a
 * selection of its own, or a fragment the document does not hold, answers false: then the caller reads.
 */
export function selectsOnly(info: SelectionInfo, known: ReadonlySet<string>): boolean {
  const visited = new Set<string>();
  const only = (set: SelectionSetNode | undefined): boolean => {
    if (!set) return true;
    for (const selection of set.selections) {
      if (!included(selection, info.variableValues)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.selectionSet || !known.has(selection.name.value)) return false;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!only(selection.selectionSet)) return false;
      } else {
        const name = selection.name.value;
        // A fragment already checked passed (a failing one returned false at once); validation rules out cycles anyway.
        if (visited.has(name)) continue;
        visited.add(name);
        const fragment = info.fragments[name];
        if (!fragment || !only(fragment.selectionSet)) return false;
      }
    }
    return true;
  };
  // graphql-jit hands over a field node that its own `@skip`/`@include` leaves out (it tests them at run time); graphql-js does not.
  return info.fieldNodes.every((node) => !included(node, info.variableValues) || only(node.selectionSet));
}
