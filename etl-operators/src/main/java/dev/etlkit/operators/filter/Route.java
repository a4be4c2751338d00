package dev.etlkit.operators.filter;

import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.SplitStep;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.KryoTypes;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.UserFunctionCheckpoints;
import dev.etlkit.operators.filter.internal.BranchCounters;
import dev.etlkit.operators.filter.internal.RouteFunction;
import dev.etlkit.operators.filter.internal.RouteSelector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.OutputTag;

/**
 * A routing step: sends each record to one (or several) of a few named outputs, chosen by
 * predicates. Apply it with {@link EtlStream#split} and take each route as a typed stream from the
 * returned {@link SplitStreams}:
 *
 * <pre>{@code
 * SplitStreams<Order> regions =
 *     orders.split(
 *         Route.<Order>by("route-orders")
 *             .to("eu", o -> o.region().equals("EU"))
 *             .to("us", o -> o.region().equals("US"))
 *             .otherwise("rest"));
 * regions.get("eu").toDataStream().sinkTo(euSink);
 * }</pre>
 *
 * <p>The record type is given as a type argument ({@code Route.<Order>by}), since Java cannot infer
 * it for the lambdas of the chained calls.
 *
 * <p><b>Semantics.</b> Routes are tried in the order of {@link #to} calls. With {@link
 * Matching#FIRST} (the default) a record goes to the first route whose predicate holds, and later
 * predicates are not evaluated; with {@link Matching#ALL} it goes to every route whose predicate
 * holds. A record no predicate accepts goes to the {@link #otherwise} route if there is one; if
 * there is none, it is counted as <em>filtered</em> (never dropped silently). A predicate that
 * throws dead-letters the record (per the error policy) before it was sent anywhere. Rich
 * predicates are opened and closed with the operator, each once, however many routes use it
 * (directly or inside {@link NamedPredicate}s; told apart by identity). Flink's checkpoint hooks
 * are passed on the same way: a predicate that implements {@code CheckpointedFunction} keeps its
 * state in the step's operator across restores, one that implements {@code CheckpointListener} gets
 * the notifications; at most one predicate of a step may implement {@code CheckpointedFunction}
 * (see {@link NamedPredicate}).
 *
 * <p><b>Outputs.</b> One per route, named after it, in declaration order with the otherwise route
 * last (wherever {@code otherwise} was called). All are side outputs of one operator with the uid
 * {@code <pipeline>/<step>}, typed with the input's type.
 *
 * <p><b>Accounting.</b> {@code in == out + filtered + deadLettered}, where {@code out} counts the
 * records sent to at least one route. {@code emitted} counts what the routes received: equal to
 * {@code out} with first-match, possibly more with all-matches. Each route has a counter of its
 * own, {@code etlkit.<pipeline>.step.<step>.route.<route>.recordsRouted}, read after a job with
 * {@link #recordsPerRoute}.
 *
 * <p><b>State, order and time.</b> The step keeps no state of its own (no TTL applies); each route
 * gets its records with their timestamps, in the order each subtask receives them. Duplicates and
 * late records are routed like any other.
 *
 * @param <T> record type
 */
@PublicEvolving
public final class Route<T> implements SplitStep<T, T> {

  /** Which routes a record goes to. */
  @PublicEvolving
  public enum Matching {
    /** The first route, in declaration order, whose predicate holds. */
    FIRST,
    /** Every route whose predicate holds (a record may be emitted several times). */
    ALL
  }

  /** Routing is first-match unless {@link #withMatching} says otherwise. */
  public static final Matching DEFAULT_MATCHING = Matching.FIRST;

  private static final String TAG_PREFIX = "etlkit-route-";

  private final String name;
  private final List<String> routes;
  private final List<FilterFunction<T>> predicates;
  @Nullable private final String otherwise;
  private final Matching matching;
  @Nullable private final ErrorPolicy errorPolicy;

  private Route(
      String name,
      List<String> routes,
      List<FilterFunction<T>> predicates,
      @Nullable String otherwise,
      Matching matching,
      @Nullable ErrorPolicy errorPolicy) {
    this.name = name;
    this.routes = routes;
    this.predicates = predicates;
    this.otherwise = otherwise;
    this.matching = matching;
    this.errorPolicy = errorPolicy;
  }

  /**
   * A routing step named {@code name}, with no routes yet; add them with {@link #to}.
   *
   * @throws IllegalArgumentException if the name is invalid
   */
  public static <T> Route<T> by(String name) {
    return new Route<>(
        Names.requireValid(name, "step name"), List.of(), List.of(), null, DEFAULT_MATCHING, null);
  }

  /**
   * Adds a route named {@code route} for the records {@code predicate} accepts, after the routes
   * added so far. Route names follow the rules of step names.
   *
   * @throws IllegalArgumentException if the name is invalid or already a route of this step; if the
   *     predicate implements Flink's deprecated {@code ListCheckpointed}; or if it implements
   *     {@code CheckpointedFunction} (or holds one) and another route's predicate does too
   */
  public Route<T> to(String route, FilterFunction<T> predicate) {
    requireNewRoute(route);
    Objects.requireNonNull(predicate, "predicate");
    UserFunctionCheckpoints.requireForwardable(
        predicate, "predicate of route '" + route + "' of step '" + name + "'");
    List<String> newRoutes = new ArrayList<>(routes);
    newRoutes.add(route);
    List<FilterFunction<T>> newPredicates = new ArrayList<>(predicates);
    newPredicates.add(predicate);
    UserFunctionCheckpoints.requireAtMostOneCheckpointed(
        NamedPredicate.userFunctions(newPredicates), "step '" + name + "'");
    return new Route<>(
        name,
        Collections.unmodifiableList(newRoutes),
        Collections.unmodifiableList(newPredicates),
        otherwise,
        matching,
        errorPolicy);
  }

  /**
   * Adds the route {@code route} for the records no other route accepts. Without it, those records
   * are counted as filtered.
   *
   * @throws IllegalArgumentException if the name is invalid, already a route of this step, or an
   *     otherwise route was already given
   */
  public Route<T> otherwise(String route) {
    if (otherwise != null) {
      throw new IllegalArgumentException(
          "step '"
              + name
              + "' already has the otherwise route '"
              + otherwise
              + "', cannot add '"
              + route
              + "' as a second one");
    }
    requireNewRoute(route);
    return new Route<>(name, routes, predicates, route, matching, errorPolicy);
  }

  /** First-match or all-matches routing. Default: {@link #DEFAULT_MATCHING}. */
  public Route<T> withMatching(Matching matching) {
    return new Route<>(
        name,
        routes,
        predicates,
        otherwise,
        Objects.requireNonNull(matching, "matching"),
        errorPolicy);
  }

  /**
   * Overrides the pipeline's error policy for this step (for predicates that throw). A second call
   * replaces the policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public Route<T> withErrorPolicy(ErrorPolicy policy) {
    return new Route<>(
        name, routes, predicates, otherwise, matching, Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public Route<T> withPipelineErrorPolicy() {
    return new Route<>(name, routes, predicates, otherwise, matching, null);
  }

  @Override
  public String name() {
    return name;
  }

  /** The route names, in output order: declaration order, the otherwise route last. */
  public List<String> routes() {
    List<String> all = new ArrayList<>(routes);
    if (otherwise != null) {
      all.add(otherwise);
    }
    return Collections.unmodifiableList(all);
  }

  /** First-match or all-matches; see {@link #withMatching}. */
  public Matching matching() {
    return matching;
  }

  /**
   * @throws IllegalArgumentException if no route was added with {@link #to}, or the input type
   *     would be serialized with Kryo
   */
  @Override
  public Map<String, DataStream<T>> expand(DataStream<T> input, StepContext context) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException(
          "step '"
              + name
              + "' has no routes: add at least one with to(route, predicate)"
              + (otherwise == null ? "" : " besides the otherwise route '" + otherwise + "'"));
    }
    TypeInformation<T> type =
        KryoTypes.requireNoKryo(input.getType(), "input type of step '" + name + "'");
    List<String> names = routes();
    List<OutputTag<T>> tags = new ArrayList<>();
    for (String route : names) {
      tags.add(new OutputTag<>(TAG_PREFIX + route, type));
    }
    RouteFunction<T> function =
        new RouteFunction<>(
            new RouteSelector<>(predicates, otherwise != null, matching == Matching.ALL),
            NamedPredicate.userFunctions(predicates),
            tags,
            names,
            context.errorHandler(errorPolicy));
    SingleOutputStreamOperator<T> router = context.named(input.process(function, type));
    context.addDeadLettersOf(router);
    Map<String, DataStream<T>> outputs = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      DataStream<T> output = router.getSideOutput(tags.get(i));
      output.getTransformation().setName(context.uid() + "/" + names.get(i));
      outputs.put(names.get(i), output);
    }
    return outputs;
  }

  /**
   * How many records each route of a route step received in a finished job, by route name, summed
   * over the step's subtasks. Routes that received nothing may be missing.
   */
  public static Map<String, Long> recordsPerRoute(
      JobExecutionResult result, String pipeline, String step) {
    return BranchCounters.read(
        result.getAllAccumulatorResults(), BranchCounters.ROUTE, pipeline, step);
  }

  @Override
  public String toString() {
    return "Route.by("
        + name
        + ", routes="
        + routes
        + (otherwise != null ? ", otherwise=" + otherwise : "")
        + (matching != DEFAULT_MATCHING ? ", matching=" + matching : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + ")";
  }

  private void requireNewRoute(String route) {
    Names.requireValid(route, "route name of step '" + name + "'");
    if (routes.contains(route) || route.equals(otherwise)) {
      throw new IllegalArgumentException(
          "step '" + name + "' already has a route named '" + route + "'");
    }
  }
}
