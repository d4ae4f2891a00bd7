"""GraphQL at /graphql/ (Strawberry): the REST API's data, actions and policies, and live
subscriptions fed from the pages' channel-layer events (docs/decisions/012-graphql.md)."""
