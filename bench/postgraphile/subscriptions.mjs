// The peer's `productEvents(productId:, type:)` subscription: PostGraphile v5's listen()
// on the pgSubscriber (one LISTEN per topic), the NOTIFY payload of
// subscriptions.sql, and the product read through the peer's own `product` resource for
// each subscriber and event (as PostGraphile plans it).
import { extendSchema, gql } from "postgraphile/utils";
import { context, lambda, listen } from "postgraphile/grafast";
import { jsonParse } from "postgraphile/@dataplan/json";

export const ProductEventsPlugin = extendSchema((build) => {
  const products = build.input.pgRegistry.pgResources.product;
  return {
    typeDefs: gql`
      type PeerProductEvent {
        cursor: String!
        type: String!
        occurredAt: String!
        productId: Int!
        product: Product
      }
      extend type Subscription {
        productEvents(productId: Int!, type: String): PeerProductEvent
      }
    `,
    objects: {
      Subscription: {
        plans: {
          productEvents: {
            subscribePlan(_$root, fieldArgs) {
              const $topic = lambda(
                [fieldArgs.getRaw("productId"), fieldArgs.getRaw("type")],
                ([id, type]) => (type == null ? `product:${id}` : `product:${id}:${type}`),
              );
              return listen(context().get("pgSubscriber"), $topic, jsonParse);
            },
            plan($event) {
              return $event;
            },
          },
        },
      },
      PeerProductEvent: {
        plans: {
          product($event) {
            return products.get({ id: $event.get("productId") });
          },
        },
      },
    },
  };
});
