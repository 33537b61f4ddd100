/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What a box is doing, as CT reports it. */
export type BoxState =
  /** Setting itself up for the first time. */
  | 'INITIALIZING'
  /** Added or factory-reset, and not yet set up. */
  | 'NEW'
  /** Not heard from recently. */
  | 'OFFLINE'
  /** Connected and serving clients. */
  | 'ONLINE'
  /** Applying a job (for example a configuration change). */
  | 'PROCESSING'
  /** Restarting after a reboot request. */
  | 'REBOOTING'
  /** A state this API does not know yet (CT sent something new). */
  | 'UNKNOWN'
  /** Installing new firmware. */
  | 'UPGRADING';

/** A new voucher batch. CT generates the codes in the background: the batch answers `completed: false` at first. */
export type CreateVoucherInput = {
  /** Session length of single-use codes, 1 to 43201 minutes; required with SINGLE_USE. */
  accessPeriodMinutes?: number | null | undefined;
  /** How often a code may be used (default ALL_TIME). */
  accessRestrictPeriod?: VoucherRestrictPeriod | null | undefined;
  /** TIME (default) or DATA limited access. */
  accessType?: VoucherAccessType | null | undefined;
  /** false creates the batch disabled (CT default true). */
  active?: boolean | null | undefined;
  /** Length of each code username, 6 to 50 (CT default 6). */
  codeLength?: number | null | undefined;
  /** Data allowance per code, 50 to 1000000 MB; required for DATA batches. */
  dataLimitMb?: number | null | undefined;
  /** Batch description (at most 255 characters). */
  description?: string | null | undefined;
  /** Download limit, 56 to 102400 kbps (CT default 2048). */
  downloadKbps?: number | null | undefined;
  /** Characters of the code usernames (default ALPHANUMERIC). */
  format?: VoucherFormat | null | undefined;
  /** End a session after this many idle minutes, 10 to 43201 (CT default 60). */
  idleTimeoutMinutes?: number | null | undefined;
  /** CT limit type, e.g. "multi_use" (CT checks the value). */
  limitType?: string | null | undefined;
  /** Global ID of the location the batch belongs to. */
  locationId: string | number;
  /** Batch name (not blank, at most 100 characters). */
  name: string;
  /** How many codes to generate, 1 to 1000 (CT default 10). */
  quantity?: number | null | undefined;
  /** Give each code its own random password (CT default true). */
  securePassword?: boolean | null | undefined;
  /** Longest single session in minutes; not above validityMinutes (CT default 60). */
  sessionTimeoutMinutes?: number | null | undefined;
  /** Devices per code at the same time, 1 to 100 (CT default 2). */
  simultaneousUse?: number | null | undefined;
  /** The splash page the codes log in through: one of this location's (a SplashPage ID, or its `legacyId`) or "external"; checked against the location before anything is created. Left out: CT picks the page when the location has only one. */
  splashPageId?: string | null | undefined;
  /** Upload limit, 56 to 102400 kbps (CT default 1024). */
  uploadKbps?: number | null | undefined;
  /** How long a code stays valid once used, 5 to 518412 minutes (TIME batches; CT default 60). */
  validityMinutes?: number | null | undefined;
};

/** Why a mutation refused its input; stable, for automation to branch on. */
export type UserErrorCode =
  /** The change clashes with existing data (e.g. a MAC address already registered). */
  | 'CONFLICT'
  /** CT refused the action for this object or account (e.g. a box that cannot take jobs now). */
  | 'FORBIDDEN'
  /** The input breaks a rule (checked by this API or by CT); `field` says which input. */
  | 'INVALID'
  /** An object named by an ID in the input does not exist or is not visible to you. */
  | 'NOT_FOUND';

/** What limits the access a voucher code gives. */
export type VoucherAccessType =
  /** Data-limited access (see `dataLimitMb`). */
  | 'DATA'
  /** Time-limited access (see `validityMinutes`). */
  | 'TIME';

/** The characters voucher code usernames are made of. */
export type VoucherFormat =
  /** Letters only. */
  | 'ALPHA'
  /** Letters and digits. */
  | 'ALPHANUMERIC'
  /** Digits only. */
  | 'NUMERIC'
  /** Readable words followed by digits. */
  | 'WORDS';

/** How often a code of the batch may be used. */
export type VoucherRestrictPeriod =
  /** Multi-use, with the limit counted over the whole validity. */
  | 'ALL_TIME'
  /** Multi-use, with the limit reset every day. */
  | 'DAILY'
  /** Multi-use, with the limit reset every month. */
  | 'MONTHLY'
  /** Single use: one session of `accessPeriodMinutes`. */
  | 'SINGLE_USE'
  /** Multi-use, with the limit reset every week. */
  | 'WEEKLY';

export type BoardHomeQueryVariables = Exact<{ [key: string]: never; }>;


export type BoardHomeQuery = { viewer: { username: string | null } | null, locations: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, slug: string, name: string, town: string | null }> } | null, boxes: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, description: string | null, mac: string, state: BoxState, location: { id: string } }> } | null };

export type BoardMoreLocationsQueryVariables = Exact<{
  after: string;
}>;


export type BoardMoreLocationsQuery = { locations: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, slug: string, name: string, town: string | null }> } | null };

export type BoardMoreBoxesQueryVariables = Exact<{
  after: string;
}>;


export type BoardMoreBoxesQuery = { boxes: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, description: string | null, mac: string, state: BoxState, location: { id: string } }> } | null };

export type BoardLocationFragment = { id: string, slug: string, name: string, town: string | null };

export type BoardBoxPageFragment = { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ id: string, description: string | null, mac: string, state: BoxState, location: { id: string } }> };

export type BoardLocationPageQueryVariables = Exact<{
  slug: string;
}>;


export type BoardLocationPageQuery = { viewer: { username: string | null } | null, location: { id: string, name: string, town: string | null, address: string | null, boxes: { totalCount: number, nodes: Array<{ id: string, slug: string, description: string | null, mac: string, state: BoxState, lastHeartbeatAt: string | null, firmwareVersion: string | null, acceptsJobs: boolean | null }> } | null, vouchers: { totalCount: number, nodes: Array<{ id: string, name: string, quantity: number, completed: boolean, createdAt: string | null }> } | null } | null };

export type BoardBoxFragment = { id: string, slug: string, description: string | null, mac: string, state: BoxState, lastHeartbeatAt: string | null, firmwareVersion: string | null, acceptsJobs: boolean | null };

export type BoardVoucherFragment = { id: string, name: string, quantity: number, completed: boolean, createdAt: string | null };

export type BoardVoucherCodesQueryVariables = Exact<{
  id: string | number;
  after?: string | null | undefined;
}>;


export type BoardVoucherCodesQuery = { node:
    | { id: string, codes: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ username: string, password: string | null, active: boolean }> } | null }
    | Record<PropertyKey, never>
   | null };

export type BoardCodeFragment = { username: string, password: string | null, active: boolean };

export type BoardRebootBoxMutationVariables = Exact<{
  id: string | number;
}>;


export type BoardRebootBoxMutation = { rebootBox: { box: { id: string, slug: string, description: string | null, mac: string, state: BoxState, lastHeartbeatAt: string | null, firmwareVersion: string | null, acceptsJobs: boolean | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type BoardCreateVoucherMutationVariables = Exact<{
  input: CreateVoucherInput;
}>;


export type BoardCreateVoucherMutation = { createVoucher: { voucher: { id: string, name: string, quantity: number, completed: boolean, createdAt: string | null } | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type BoardBoxStateChangedSubscriptionVariables = Exact<{
  locationId: string | number;
}>;


export type BoardBoxStateChangedSubscription = { boxStateChanged: { previousState: BoxState, box: { id: string, slug: string, description: string | null, mac: string, state: BoxState, lastHeartbeatAt: string | null, firmwareVersion: string | null, acceptsJobs: boolean | null } } };

export type BoardVoucherCompletedSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type BoardVoucherCompletedSubscription = { voucherCompleted: { id: string, name: string, quantity: number, completed: boolean, createdAt: string | null, codes: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ username: string, password: string | null, active: boolean }> } | null } };

export const BoardLocationFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardLocation"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Location"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"town"}}]}}]} as unknown as DocumentNode<BoardLocationFragment, unknown>;
export const BoardBoxPageFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardBoxPage"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"BoxConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"mac"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"location"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]}}]} as unknown as DocumentNode<BoardBoxPageFragment, unknown>;
export const BoardBoxFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardBox"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Box"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"mac"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"lastHeartbeatAt"}},{"kind":"Field","name":{"kind":"Name","value":"firmwareVersion"}},{"kind":"Field","name":{"kind":"Name","value":"acceptsJobs"}}]}}]} as unknown as DocumentNode<BoardBoxFragment, unknown>;
export const BoardVoucherFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardVoucher"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Voucher"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"quantity"}},{"kind":"Field","name":{"kind":"Name","value":"completed"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<BoardVoucherFragment, unknown>;
export const BoardCodeFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"BoardCode"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"VoucherCode"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"username"}},{"kind":"Field","name":{"kind":"Name","value":"password"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]} as unknown as DocumentNode<BoardCodeFragment, unknown>;
export const BoardHomeDocument = {"__meta__":{"hash":"sha256:f6266c05c3e9b04dd4f56792bb22a0ac8ef2d3eddf62639d5f1ac5958e8b0e84"}} as unknown as DocumentNode<BoardHomeQuery, BoardHomeQueryVariables>;
export const BoardMoreLocationsDocument = {"__meta__":{"hash":"sha256:1cf91fc8dcd5fab5b7cd4b6fe0c231bd1d3c6866684d928f3d2f69378a894a89"}} as unknown as DocumentNode<BoardMoreLocationsQuery, BoardMoreLocationsQueryVariables>;
export const BoardMoreBoxesDocument = {"__meta__":{"hash":"sha256:1f6517199669a2a06b02036ac9d6ac4035688c9a95d537c38c0e8eaf3e9a8fec"}} as unknown as DocumentNode<BoardMoreBoxesQuery, BoardMoreBoxesQueryVariables>;
export const BoardLocationPageDocument = {"__meta__":{"hash":"sha256:82c276da3907a77fe01ea6d7c3041f73c5e50dd8d240614f12b44bfd71f9c575"}} as unknown as DocumentNode<BoardLocationPageQuery, BoardLocationPageQueryVariables>;
export const BoardVoucherCodesDocument = {"__meta__":{"hash":"sha256:7fc66bb2d914f6dd8459ee7c56cb09440715313c200d54048cfd96041de28847"}} as unknown as DocumentNode<BoardVoucherCodesQuery, BoardVoucherCodesQueryVariables>;
export const BoardRebootBoxDocument = {"__meta__":{"hash":"sha256:f8f8c0c7ca3e8d8e4680473b92bce68f7e3d9c6dd2956452c4d056a1661fe928"}} as unknown as DocumentNode<BoardRebootBoxMutation, BoardRebootBoxMutationVariables>;
export const BoardCreateVoucherDocument = {"__meta__":{"hash":"sha256:a49ef03ff8bddf433f58dd3d2c89eafe8c4e7e987ed97669ecc9de08a501978c"}} as unknown as DocumentNode<BoardCreateVoucherMutation, BoardCreateVoucherMutationVariables>;
export const BoardBoxStateChangedDocument = {"__meta__":{"hash":"sha256:0698a82db800b0d6b0c76e6b173a9411123f9db39864ebe48237052307e600a8"}} as unknown as DocumentNode<BoardBoxStateChangedSubscription, BoardBoxStateChangedSubscriptionVariables>;
export const BoardVoucherCompletedDocument = {"__meta__":{"hash":"sha256:645335acac0ba6906770c3a2668e7440849e37c926e03c33574863bb5761ede2"}} as unknown as DocumentNode<BoardVoucherCompletedSubscription, BoardVoucherCompletedSubscriptionVariables>;