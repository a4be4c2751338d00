package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.ErrorPolicy;
import org.junit.jupiter.api.Test;

/** The filter package's steps print their name and options, as the other steps do, for logs. */
class FilterStepsToStringTest {

  @Test
  void where_printsItsNameAndPredicate_andAnErrorPolicyOverride() {
    NamedPredicate<Order> paid = NamedPredicate.of("paid", Order::isPaid);
    NamedPredicate<Order> eu = NamedPredicate.of("eu", order -> order.region().equals("EU"));

    assertThat(Filters.where("paid-in-eu", paid.and(eu)))
        .hasToString("Filters.where(paid-in-eu, predicate=paid and eu)");
    assertThat(Filters.where("paid", Order::isPaid).withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString("Filters.where(paid, predicate=paid, errorPolicy=fail-job)");
  }

  @Test
  void project_printsItsNameAndOutputType() {
    assertThat(
            Project.to(
                "summary",
                OrderSummary.class,
                (Order order) -> new OrderSummary(order.id(), order.cents())))
        .hasToString("Project.to(summary, output=" + OrderSummary.class.getSimpleName() + ")");
  }

  @Test
  void route_printsItsRoutesInOutputOrder_theMatching_andAnErrorPolicyOverride() {
    Route<Order> route =
        Route.<Order>by("route-orders")
            .otherwise("rest")
            .to("eu", order -> order.region().equals("EU"))
            .to("us", order -> order.region().equals("US"));

    assertThat(route).hasToString("Route.by(route-orders, routes=[eu, us], otherwise=rest)");
    assertThat(route.withMatching(Route.Matching.ALL).withErrorPolicy(ErrorPolicy.errorBudget(10)))
        .hasToString(
            "Route.by(route-orders, routes=[eu, us], otherwise=rest, matching=ALL,"
                + " errorPolicy=error-budget(max 10 errors))");
  }
}
