// @graphql-codegen config: typed documents for the tests (test/gql/) from the committed
// schema.graphql and the operations in test/**/*.graphql. `npm run codegen` regenerates;
// test/schema.test.ts fails when the committed output is stale.
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: './schema.graphql',
  documents: ['test/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/gql/': {
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
  },
};

export default config;
