// The seeded accounts and the registered demo OAuth application (credentials are fixtures, not secrets).

export const DEMO = {
  clientId: 'f52d8b42e20c1d2808468f5a90f3a838316876aaf1db9efa320d42a65e853a49',
  clientSecret: 'e67534a389c215959e6e72451dfc53e9e922b2e58ae18d26e3403c26610b36f7',
  redirectUri: 'http://localhost:4000/auth/callback',
  username: 'demo',
  password: 'demo-password',
  otherUsername: 'other',
  otherPassword: 'other-password',
} as const;

export const DEMO_APP_NAME = 'CT GraphQL (demo)';

/** Fixed "now" of the seed (2024-06-01T00:00:00Z) so seeded data never depends on the wall clock. */
export const BASE_EPOCH = 1717200000;
