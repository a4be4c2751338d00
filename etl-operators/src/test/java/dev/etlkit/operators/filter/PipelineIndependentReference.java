package dev.etlkit.operators.filter;

import dev.etlkit.core.ErrorPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;

/**
 * An independent reference for the stateless steps ({@code Filters.where}, {@code Project.to},
 * {@code Route.by}) and the pipeline plumbing (dead letters, error policies, record accounting),
 * written from docs/filtering.md, docs/concepts.md and the public Javadoc only, before reading the
 * implementation.
 *
 * <p>A pipeline is a {@link Chain}: filter and project steps, optionally ending in a route step
 * whose routes continue with chains of their own; every chain end is a named output ("leaf"). The
 * model pushes the input through depth first, record by record, as a parallelism-1 chained job
 * does, so it also says which bad record fails a job under a failing policy.
 *
 * <p>Decisions where the docs are silent (each checked by the test against the real steps):
 *
 * <ul>
 *   <li>A dead letter's event time is the Flink record's timestamp; a record without one (a source
 *       without a timestamp assigner) gives a null event time, never Flink's "no timestamp" marker
 *       {@code Long.MIN_VALUE}, unless it carries its own: a {@code Change}'s event time (checked
 *       by the test's change pipeline). Its source position is null for records that are neither a
 *       {@code Change} nor a {@code RawRecord}. (Both differed from the implementation: it passed
 *       {@code Long.MIN_VALUE} on and ignored the change's event time; fixed.)
 *   <li>{@code Route.by} has predicates, not a selector that names a route, so "an unknown route
 *       name" cannot happen; the model covers throwing predicates and null fields instead.
 *   <li>A dead letter's payload is {@code String.valueOf(record)} kept as text, its attempt 1.
 *   <li>Under all-matches a record goes to its matching routes in their declaration order (this
 *       decides which downstream step fails first at parallelism 1); a record sent to the otherwise
 *       route counts in {@code out} like any routed record.
 *   <li>The name of an operand of and/or/not is parenthesized when it is an unnamed and/or; a
 *       negation is not ({@code "a and not (b or c)"}, as in the NamedPredicate Javadoc); nested
 *       unnamed and-in-and (or-in-or) are merged into one operand list.
 *   <li>A step that received no record may be missing from the accounting or show zeros;
 *       per-predicate and per-route maps may leave out zeros.
 *   <li>Rate budgets: on the arrival of the input that makes {@code minRecords} the errors so far
 *       are checked; on each bad record {@code errors / inputs} including that record.
 * </ul>
 */
final class PipelineIndependentReference {

  /** A predicate's error: a bad record, dead-lettered with this class and message. */
  static final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message) {
      super(message);
    }
  }

  enum LeafKind {
    REGION,
    CENTS_AT_LEAST,
    ID_MOD,
    TAG_PRESENT,
    THROWS_ON_ID_MOD
  }

  /** A leaf predicate; its own rule, written here, is the only logic shared with the real run. */
  record Leaf(String name, LeafKind kind, @Nullable String region, int x, int m, int k)
      implements FilterFunction<RefItem> {
    boolean eval(RefItem item) {
      switch (kind) {
        case REGION:
          if (item.region() == null) {
            throw new BadInput("region missing for " + name);
          }
          return item.region().equals(region);
        case CENTS_AT_LEAST:
          if (item.cents() == null) {
            throw new BadInput("cents missing for " + name);
          }
          return item.cents() >= x;
        case ID_MOD:
          return Math.floorMod(item.id(), m) == k;
        case TAG_PRESENT:
          return item.tag() != null;
        case THROWS_ON_ID_MOD:
          if (Math.floorMod(item.id(), m) == k) {
            throw new IllegalStateException("boom in " + name);
          }
          return item.id() % 2 == 0;
        default:
          throw new AssertionError(kind);
      }
    }

    @Override
    public boolean filter(RefItem item) {
      return eval(item);
    }
  }

  /** A predicate tree: leaves, and, or, not, and renamed composites. */
  sealed interface P permits PLeaf, PAnd, POr, PNot, PNamed {}

  record PLeaf(Leaf leaf) implements P {}

  record PAnd(List<P> operands) implements P {}

  record POr(List<P> operands) implements P {}

  record PNot(P operand) implements P {}

  record PNamed(String name, P operand) implements P {}

  static List<P> flatAnd(PAnd and) {
    List<P> out = new ArrayList<>();
    for (P p : and.operands()) {
      if (p instanceof PAnd inner) {
        out.addAll(flatAnd(inner));
      } else {
        out.add(p);
      }
    }
    return out;
  }

  static List<P> flatOr(POr or) {
    List<P> out = new ArrayList<>();
    for (P p : or.operands()) {
      if (p instanceof POr inner) {
        out.addAll(flatOr(inner));
      } else {
        out.add(p);
      }
    }
    return out;
  }

  static boolean eval(P p, RefItem item) {
    if (p instanceof PLeaf l) {
      return l.leaf().eval(item);
    }
    if (p instanceof PAnd a) {
      for (P o : a.operands()) {
        if (!eval(o, item)) {
          return false;
        }
      }
      return true;
    }
    if (p instanceof POr o) {
      for (P x : o.operands()) {
        if (eval(x, item)) {
          return true;
        }
      }
      return false;
    }
    if (p instanceof PNot n) {
      return !eval(n.operand(), item);
    }
    return eval(((PNamed) p).operand(), item);
  }

  static String name(P p) {
    if (p instanceof PLeaf l) {
      return l.leaf().name();
    }
    if (p instanceof PAnd a) {
      return join(flatAnd(a), " and ");
    }
    if (p instanceof POr o) {
      return join(flatOr(o), " or ");
    }
    if (p instanceof PNot n) {
      return "not " + operandName(n.operand());
    }
    return ((PNamed) p).name();
  }

  private static String join(List<P> operands, String sep) {
    StringBuilder b = new StringBuilder();
    for (P o : operands) {
      if (b.length() > 0) {
        b.append(sep);
      }
      b.append(operandName(o));
    }
    return b.toString();
  }

  private static String operandName(P p) {
    return p instanceof PAnd || p instanceof POr ? "(" + name(p) + ")" : name(p);
  }

  /** The conjuncts {@code Filters.where} counts against: the operands of a chain of ands. */
  static List<P> conjuncts(P p) {
    return p instanceof PAnd a ? flatAnd(a) : List.of(p);
  }

  /** The projection of a {@code Project.to} step. */
  record Projection(boolean throwOnNullRegion, int nullMod, int nullK, int addCents)
      implements MapFunction<RefItem, RefItem> {
    @Override
    @Nullable
    public RefItem map(RefItem item) {
      if (nullMod > 0 && Math.floorMod(item.id(), nullMod) == nullK) {
        return null;
      }
      if (throwOnNullRegion && item.region() == null) {
        throw new BadInput("cannot project without region");
      }
      return new RefItem(
          item.id(),
          item.region(),
          item.cents() == null ? null : item.cents() + addCents,
          item.tag() == null ? null : item.tag() + "'");
    }
  }

  sealed interface Step permits FilterSpec, ProjectSpec {
    String name();
  }

  /** {@code Filters.where(name, plain ? leaf : NamedPredicate tree)}. */
  record FilterSpec(String name, P predicate, boolean plain, @Nullable ErrorPolicy policy)
      implements Step {}

  record ProjectSpec(String name, Projection projection, @Nullable ErrorPolicy policy)
      implements Step {}

  /** One route of a route step: a plain leaf function or a NamedPredicate tree. */
  record RouteTo(String route, P predicate, boolean plain, Chain next) {}

  record RouteSpec(
      String name,
      List<RouteTo> routes,
      @Nullable String otherwise,
      @Nullable Chain otherwiseNext,
      boolean all,
      @Nullable ErrorPolicy policy) {}

  /** Steps in order, then optionally a route; {@code leaf} names the output if there is none. */
  record Chain(List<Step> steps, @Nullable RouteSpec route, String leaf) {}

  /** A pipeline: name, its chain, and whether the source assigns timestamps. */
  record Pipeline(
      String name, Chain chain, boolean timestamps, @Nullable ErrorPolicy defaultPolicy) {}

  /** What a dead letter must say. */
  record ExpectedDeadLetter(
      String pipeline,
      String step,
      String uid,
      String errorClass,
      @Nullable String errorMessage,
      String payloadText,
      @Nullable Long eventTime) {}

  /** A step's counters. */
  record Counts(long in, long out, long filtered, long deadLettered, long emitted) {}

  /** The job failure a failing policy causes: the step and the original error's class. */
  record Failure(String step, String errorClass) {}

  static final class Expected {
    final Map<String, List<RefItem>> outputs = new LinkedHashMap<>();
    final List<ExpectedDeadLetter> deadLetters = new ArrayList<>();
    final Map<String, long[]> counts = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> filteredByPredicate = new LinkedHashMap<>();
    final Map<String, Map<String, Long>> routed = new LinkedHashMap<>();
    final List<String> uids = new ArrayList<>();

    /** The names of the route streams: {@code <pipeline>/<step>/<route>}. */
    final List<String> routeStreamNames = new ArrayList<>();

    @Nullable Failure failure;

    Counts counts(String step) {
      long[] c = counts.get(step);
      return new Counts(c[0], c[1], c[2], c[3], c[4]);
    }
  }

  /** Thrown inside the model when a policy fails the job. */
  private static final class ModelFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final Failure failure;

    ModelFailure(Failure failure) {
      super(failure.toString(), null, false, false);
      this.failure = failure;
    }
  }

  /** Per-step error-policy bookkeeping (one subtask: the model is exact at parallelism 1). */
  private static final class Budget {
    final ErrorPolicy policy;
    long inputs;
    long errors;

    Budget(ErrorPolicy policy) {
      this.policy = policy;
    }

    void arrive(String step) {
      inputs++;
      if (policy.kind() == ErrorPolicy.Kind.BUDGET
          && inputs == policy.minRecords()
          && policy.maxRate() < 1.0
          && (double) errors / inputs > policy.maxRate()) {
        throw new ModelFailure(new Failure(step, null));
      }
    }

    /** Returns normally if the record is dead-lettered. */
    void reject(String step, Throwable error) {
      errors++;
      boolean fail;
      switch (policy.kind()) {
        case DEAD_LETTER:
          fail = false;
          break;
        case FAIL:
          fail = true;
          break;
        default:
          fail =
              errors > policy.maxErrors()
                  || (inputs >= policy.minRecords() && (double) errors / inputs > policy.maxRate());
      }
      if (fail) {
        throw new ModelFailure(new Failure(step, error.getClass().getName()));
      }
    }
  }

  private final Pipeline pipeline;
  private final Expected expected = new Expected();
  private final Map<String, Budget> budgets = new TreeMap<>();

  private PipelineIndependentReference(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** The expected result of running {@code pipeline} over {@code input}, in input order. */
  static Expected expect(Pipeline pipeline, List<RefItem> input) {
    PipelineIndependentReference model = new PipelineIndependentReference(pipeline);
    model.declare(pipeline.chain());
    try {
      for (RefItem item : input) {
        model.push(pipeline.chain(), item);
      }
    } catch (ModelFailure f) {
      model.expected.failure = f.failure;
    }
    return model.expected;
  }

  private ErrorPolicy policy(@Nullable ErrorPolicy own) {
    if (own != null) {
      return own;
    }
    return pipeline.defaultPolicy() == null ? ErrorPolicy.deadLetter() : pipeline.defaultPolicy();
  }

  private void declare(Chain chain) {
    for (Step step : chain.steps()) {
      expected.uids.add(pipeline.name() + "/" + step.name());
      expected.counts.put(step.name(), new long[5]);
      if (step instanceof FilterSpec f) {
        expected.filteredByPredicate.put(f.name(), new TreeMap<>());
        budgets.put(f.name(), new Budget(policy(f.policy())));
      } else {
        budgets.put(step.name(), new Budget(policy(((ProjectSpec) step).policy())));
      }
    }
    RouteSpec route = chain.route();
    if (route == null) {
      expected.outputs.put(chain.leaf(), new ArrayList<>());
      return;
    }
    expected.uids.add(pipeline.name() + "/" + route.name());
    expected.counts.put(route.name(), new long[5]);
    expected.routed.put(route.name(), new TreeMap<>());
    budgets.put(route.name(), new Budget(policy(route.policy())));
    for (RouteTo to : route.routes()) {
      expected.routeStreamNames.add(pipeline.name() + "/" + route.name() + "/" + to.route());
      declare(to.next());
    }
    if (route.otherwise() != null) {
      expected.routeStreamNames.add(pipeline.name() + "/" + route.name() + "/" + route.otherwise());
      declare(route.otherwiseNext());
    }
  }

  private void deadLetter(String step, Throwable error, RefItem item) {
    budgets.get(step).reject(step, error);
    expected.counts.get(step)[3]++;
    expected.deadLetters.add(
        new ExpectedDeadLetter(
            pipeline.name(),
            step,
            pipeline.name() + "/" + step,
            error.getClass().getName(),
            error.getMessage(),
            String.valueOf(item),
            pipeline.timestamps() ? timestampOf(item) : null));
  }

  static long timestampOf(RefItem item) {
    return 1_000L + item.id();
  }

  private void push(Chain chain, RefItem item) {
    RefItem current = item;
    for (Step step : chain.steps()) {
      long[] c = expected.counts.get(step.name());
      budgets.get(step.name()).arrive(step.name());
      c[0]++;
      if (step instanceof FilterSpec f) {
        String filteredBy = null;
        try {
          for (P conjunct : conjuncts(f.predicate())) {
            if (!eval(conjunct, current)) {
              filteredBy = f.plain() ? f.name() : name(conjunct);
              break;
            }
          }
        } catch (RuntimeException e) {
          deadLetter(f.name(), e, current);
          return;
        }
        if (filteredBy != null) {
          c[2]++;
          expected.filteredByPredicate.get(f.name()).merge(filteredBy, 1L, Long::sum);
          return;
        }
        c[1]++;
        c[4]++;
      } else {
        ProjectSpec p = (ProjectSpec) step;
        RefItem projected;
        try {
          projected = p.projection().map(current);
          if (projected == null) {
            throw new NullPointerException("map function returned null");
          }
        } catch (RuntimeException e) {
          deadLetter(p.name(), e, current);
          return;
        }
        c[1]++;
        c[4]++;
        current = projected;
      }
    }
    RouteSpec route = chain.route();
    if (route == null) {
      expected.outputs.get(chain.leaf()).add(current);
      return;
    }
    long[] c = expected.counts.get(route.name());
    budgets.get(route.name()).arrive(route.name());
    c[0]++;
    List<RouteTo> matched = new ArrayList<>();
    try {
      for (RouteTo to : route.routes()) {
        if (eval(to.predicate(), current)) {
          matched.add(to);
          if (!route.all()) {
            break;
          }
        }
      }
    } catch (RuntimeException e) {
      deadLetter(route.name(), e, current);
      return;
    }
    Map<String, Long> routed = expected.routed.get(route.name());
    if (matched.isEmpty()) {
      if (route.otherwise() == null) {
        c[2]++;
        return;
      }
      c[1]++;
      c[4]++;
      routed.merge(route.otherwise(), 1L, Long::sum);
      push(route.otherwiseNext(), current);
      return;
    }
    c[1]++;
    for (RouteTo to : matched) {
      c[4]++;
      routed.merge(to.route(), 1L, Long::sum);
      push(to.next(), current);
    }
  }
}
