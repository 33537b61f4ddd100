// GraphQL Mesh composition for the benchmark peer: the CT OpenAPI description (openapi.json) plus the
// nested fields a Mesh user would add by hand (Location.boxes, Location.vouchers, Box.location,
// Voucher.codes) with @resolveTo, one REST call per parent. Read by `mesh-compose` in this folder.
import { defineConfig } from '@graphql-mesh/compose-cli';
import { loadOpenAPISubgraph } from '@omnigraph/openapi';

// The simulator listens on a free port chosen per run, so its API base comes from the environment.
const apiUrl = process.env['MESH_CT_API_URL'] ?? 'http://127.0.0.1:4010/api/v1';

export const composeConfig = defineConfig({
  // One source only: no entity merging, so the semantic-convention @merge keys are not wanted.
  ignoreSemanticConventions: true,
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph('CT', {
        source: './openapi.json',
        endpoint: apiUrl,
        // The caller's own CT bearer token is forwarded verbatim on every REST call.
        operationHeaders: { Authorization: '{context.headers.authorization}' },
      }),
    },
  ],
  additionalTypeDefs: /* GraphQL */ `
    extend type Location {
      boxes(page: Int, per: Int, state: String): BoxList
        @resolveTo(
          sourceName: "CT"
          sourceTypeName: "Query"
          sourceFieldName: "boxes"
          requiredSelectionSet: "{ slug }"
          sourceArgs: { location_id: "{root.slug}", page: "{args.page}", per: "{args.per}", state: "{args.state}" }
        )
      vouchers(page: Int, per: Int): VoucherList
        @resolveTo(
          sourceName: "CT"
          sourceTypeName: "Query"
          sourceFieldName: "vouchers"
          requiredSelectionSet: "{ slug }"
          sourceArgs: { slug: "{root.slug}", page: "{args.page}", per: "{args.per}" }
        )
    }
    extend type Box {
      location: Location
        @resolveTo(
          sourceName: "CT"
          sourceTypeName: "Query"
          sourceFieldName: "location"
          requiredSelectionSet: "{ location_slug }"
          sourceArgs: { slug: "{root.location_slug}" }
        )
    }
    extend type Voucher {
      codes(page: Int, per: Int): CodeList
        @resolveTo(
          sourceName: "CT"
          sourceTypeName: "Query"
          sourceFieldName: "voucherCodes"
          requiredSelectionSet: "{ unique_id location_slug }"
          sourceArgs: { slug: "{root.location_slug}", unique_id: "{root.unique_id}", page: "{args.page}", per: "{args.per}" }
        )
    }
  `,
});
