// @graphql-codegen config, from the committed schema.graphql: typed documents for the tests (test/gql/,
// from test/**/*.graphql) and for the /board example (examples/board/gql/, from its operations, with
// persisted-documents.json: the board sends ids only, and the facade trusts that file). `npm run
// codegen` regenerates both; test/schema.test.ts fails when either committed output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: './schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
      documents: ['test/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // NodeNext ESM: relative imports need their extension; type-only imports under verbatimModuleSyntax.
        importExtension: '.js',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
      },
    },
    'examples/board/gql/': {
      documents: ['examples/board/**/*.graphql'],
      preset: 'client',
      // replaceDocumentWithHash: the bundle holds each operation's sha256 id, not its text.
      presetConfig: { fragmentMasking: false, persistedDocuments: { mode: 'replaceDocumentWithHash' } },
      config: {
        importExtension: '.js',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
