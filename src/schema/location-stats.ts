// A location's stats (`Location.stats`): its boxes counted by state, as CT counts them, so a client can
// ask "which of my locations have boxes down" without listing every box. One CT call per location.
import { builder } from '../builder.js';
import { requireUser } from '../context.js';
import type { BoxState } from '../domain/box.js';
import type { BoxStateCount, LocationStatsModel } from '../domain/location.js';
import { BoxStateEnum, LocationRef, LocationStatsRef } from './refs.js';

const countOf = (stats: LocationStatsModel, state: BoxState): number =>
  stats.boxesByState.find((entry) => entry.state === state)?.count ?? 0;

const BoxStateCountRef = builder.objectRef<BoxStateCount>('BoxStateCount').implement({
  description: 'How many boxes of a location are in one state.',
  fields: (t) => ({
    state: t.expose('state', { type: BoxStateEnum, nullable: false, description: 'The state.' }),
    count: t.exposeInt('count', { nullable: false, description: 'How many boxes are in it (at least 1).' }),
  }),
});

LocationStatsRef.implement({
  description: "A location's figures as CT counts them.",
  fields: (t) => ({
    boxesTotal: t.exposeInt('boxesTotal', { nullable: false, description: 'How many boxes the location has.' }),
    boxesOnline: t.int({
      nullable: false,
      description: 'Boxes in state ONLINE.',
      resolve: (stats) => countOf(stats, 'ONLINE'),
    }),
    boxesOffline: t.int({
      nullable: false,
      description: 'Boxes in state OFFLINE: the ones that are down.',
      resolve: (stats) => countOf(stats, 'OFFLINE'),
    }),
    boxesByState: t.field({
      type: [BoxStateCountRef],
      nullable: false,
      description: 'Box counts for every state that has boxes, in the order CT lists them; states CT does not name count under UNKNOWN.',
      resolve: (stats) => stats.boxesByState,
    }),
  }),
});

builder.objectField(LocationRef, 'stats', (t) =>
  t.field({
    type: LocationStatsRef,
    nullable: true,
    description: "The location's box counts by state, as CT counts them now. One CT call.",
    resolve: (location, _args, ctx) => requireUser(ctx).loaders.locationStats(location.slug),
  }),
);
