package dev.etlkit.operators.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.core.SplitStreams;
import dev.etlkit.operators.filter.PipelineIndependentReference.Chain;
import dev.etlkit.operators.filter.PipelineIndependentReference.Counts;
import dev.etlkit.operators.filter.PipelineIndependentReference.Expected;
import dev.etlkit.operators.filter.PipelineIndependentReference.ExpectedDeadLetter;
import dev.etlkit.operators.filter.PipelineIndependentReference.FilterSpec;
import dev.etlkit.operators.filter.PipelineIndependentReference.Leaf;
import dev.etlkit.operators.filter.PipelineIndependentReference.LeafKind;
import dev.etlkit.operators.filter.PipelineIndependentReference.P;
import dev.etlkit.operators.filter.PipelineIndependentReference.PAnd;
import dev.etlkit.operators.filter.PipelineIndependentReference.PLeaf;
import dev.etlkit.operators.filter.PipelineIndependentReference.PNamed;
import dev.etlkit.operators.filter.PipelineIndependentReference.PNot;
import dev.etlkit.operators.filter.PipelineIndependentReference.POr;
import dev.etlkit.operators.filter.PipelineIndependentReference.Pipeline;
import dev.etlkit.operators.filter.PipelineIndependentReference.ProjectSpec;
import dev.etlkit.operators.filter.PipelineIndependentReference.Projection;
import dev.etlkit.operators.filter.PipelineIndependentReference.RouteSpec;
import dev.etlkit.operators.filter.PipelineIndependentReference.RouteTo;
import dev.etlkit.operators.filter.PipelineIndependentReference.Step;
import dev.etlkit.testkit.Soak;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random pipelines of {@code Filters.where}, {@code Project.to} and {@code Route.by} steps, built
 * through the public builder and run on a local MiniCluster (batch and streaming, parallelism 1 and
 * 2), compared with {@link PipelineIndependentReference}: every route's output, every dead letter
 * (step, uid, error, payload, event time), every step's counters, the per-predicate and per-route
 * counts, the uids, and which step fails the job under a failing error policy.
 *
 * <p>A normal build runs one streaming and one batch job of five pipelines each (parallelism 2,
 * rebalanced so both subtasks get records) and two parallelism-1 jobs with failing policies; {@code
 * -Psoak} runs 40 and 60 seeds. Replay one seed with {@code -Detlkit.seed=N}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PipelineIndependentReferenceTest {

  private static final String[] REGIONS = {"EU", "US", "APAC"};

  static List<Long> seeds() {
    return Soak.seeds(1, 40);
  }

  static List<Long> policySeeds() {
    return Soak.seeds(2, 60);
  }

  // ---------------------------------------------------------------- generator

  private static final class Gen {
    final Random random;
    final boolean failingPolicies;
    int steps;
    int names;

    Gen(long seed, boolean failingPolicies) {
      this.random = new Random(seed);
      this.failingPolicies = failingPolicies;
    }

    List<RefItem> input(int n) {
      List<RefItem> items = new ArrayList<>();
      for (int id = 0; id < n; id++) {
        String region = random.nextInt(6) == 0 ? null : REGIONS[random.nextInt(REGIONS.length)];
        Integer cents =
            random.nextInt(6) == 0 ? null : new int[] {-5, 0, 500, 1500}[random.nextInt(4)];
        String tag = random.nextInt(3) == 0 ? null : "t" + random.nextInt(3);
        items.add(new RefItem(id, region, cents, tag));
      }
      return items;
    }

    Pipeline pipeline(String name) {
      steps = 0;
      ErrorPolicy defaultPolicy = random.nextInt(3) == 0 ? policy() : null;
      return new Pipeline(name, chain(0, "out"), random.nextBoolean(), defaultPolicy);
    }

    @Nullable
    ErrorPolicy policy() {
      switch (random.nextInt(failingPolicies ? 7 : 4)) {
        case 0:
          return null;
        case 1:
          return ErrorPolicy.deadLetter();
        case 2:
          return ErrorPolicy.errorBudget(Long.MAX_VALUE);
        case 3:
          return ErrorPolicy.errorRateBudget(0.5, Long.MAX_VALUE);
        case 4:
          return ErrorPolicy.failJob();
        case 5:
          return ErrorPolicy.errorBudget(random.nextInt(4));
        default:
          return ErrorPolicy.errorRateBudget(random.nextInt(4) * 0.1, 1 + random.nextInt(12));
      }
    }

    Chain chain(int depth, String leaf) {
      List<Step> list = new ArrayList<>();
      int n = random.nextInt(depth == 0 ? 4 : 3);
      for (int i = 0; i < n; i++) {
        String name = "s" + ++steps;
        if (random.nextInt(3) == 0) {
          list.add(
              new ProjectSpec(
                  name,
                  new Projection(
                      random.nextBoolean(),
                      random.nextInt(3) == 0 ? 0 : 5 + random.nextInt(5),
                      random.nextInt(5),
                      random.nextInt(100)),
                  policy()));
        } else {
          boolean plain = random.nextInt(4) == 0;
          names = 0;
          list.add(new FilterSpec(name, plain ? leaf() : tree(2), plain, policy()));
        }
      }
      RouteSpec route = null;
      if (depth < 2 && random.nextInt(3) > 0) {
        String name = "s" + ++steps;
        int routes = 1 + random.nextInt(3);
        List<RouteTo> tos = new ArrayList<>();
        names = 0;
        for (int i = 0; i < routes; i++) {
          String routeName = "r" + i;
          boolean plain = random.nextInt(3) == 0;
          P predicate = plain ? leaf() : tree(1);
          tos.add(
              new RouteTo(routeName, predicate, plain, chain(depth + 1, leaf + "/" + routeName)));
        }
        boolean otherwise = random.nextBoolean();
        route =
            new RouteSpec(
                name,
                tos,
                otherwise ? "rest" : null,
                otherwise ? chain(depth + 1, leaf + "/rest") : null,
                random.nextBoolean(),
                policy());
      }
      return new Chain(list, route, leaf);
    }

    PLeaf leaf() {
      String name = "l" + ++names;
      LeafKind kind = LeafKind.values()[random.nextInt(LeafKind.values().length)];
      int m = 2 + random.nextInt(6);
      return new PLeaf(
          new Leaf(
              name,
              kind,
              REGIONS[random.nextInt(REGIONS.length)],
              new int[] {0, 500, 1000}[random.nextInt(3)],
              m,
              random.nextInt(m)));
    }

    P tree(int depth) {
      int pick = depth == 0 ? 0 : random.nextInt(6);
      switch (pick) {
        case 0:
        case 1:
          return leaf();
        case 2:
          return new PAnd(operands(depth));
        case 3:
          return new POr(operands(depth));
        case 4:
          return new PNot(tree(depth - 1));
        default:
          return new PNamed("n" + ++names, tree(depth - 1));
      }
    }

    List<P> operands(int depth) {
      List<P> operands = new ArrayList<>();
      int n = 2 + random.nextInt(2);
      for (int i = 0; i < n; i++) {
        operands.add(tree(depth - 1));
      }
      return operands;
    }
  }

  // ---------------------------------------------------------------- building through the API

  static NamedPredicate<RefItem> named(P p) {
    if (p instanceof PLeaf l) {
      return NamedPredicate.of(l.leaf().name(), l.leaf());
    }
    if (p instanceof PAnd a) {
      NamedPredicate<RefItem> result = named(a.operands().get(0));
      for (int i = 1; i < a.operands().size(); i++) {
        result = result.and(named(a.operands().get(i)));
      }
      return result;
    }
    if (p instanceof POr o) {
      NamedPredicate<RefItem> result = named(o.operands().get(0));
      for (int i = 1; i < o.operands().size(); i++) {
        result = result.or(named(o.operands().get(i)));
      }
      return result;
    }
    if (p instanceof PNot n) {
      return named(n.operand()).negate();
    }
    PNamed n = (PNamed) p;
    return named(n.operand()).named(n.name());
  }

  static FilterFunction<RefItem> function(P p, boolean plain) {
    return plain ? ((PLeaf) p).leaf() : named(p);
  }

  /** The streams of one built pipeline: its leaves by name and its last stream. */
  static final class Built {
    final Map<String, DataStream<RefItem>> leaves = new LinkedHashMap<>();
    EtlStream<RefItem> any;
  }

  static Built build(
      StreamExecutionEnvironment env, Pipeline pipeline, List<RefItem> input, int parallelism) {
    DataStream<RefItem> source = env.fromData(input, RefItem.TYPE_INFO);
    if (pipeline.timestamps()) {
      source =
          source.assignTimestampsAndWatermarks(
              WatermarkStrategy.<RefItem>forMonotonousTimestamps()
                  .withTimestampAssigner(
                      (item, ts) -> PipelineIndependentReference.timestampOf(item)));
    }
    if (parallelism > 1) {
      source = source.rebalance();
    }
    EtlStream<RefItem> start = Etl.from(source, pipeline.name());
    if (pipeline.defaultPolicy() != null) {
      start.defaultErrorPolicy(pipeline.defaultPolicy());
    }
    Built built = new Built();
    build(start, pipeline.chain(), built);
    return built;
  }

  static void build(EtlStream<RefItem> stream, Chain chain, Built built) {
    EtlStream<RefItem> current = stream;
    for (Step step : chain.steps()) {
      if (step instanceof FilterSpec f) {
        Filters.Where<RefItem> where = Filters.where(f.name(), function(f.predicate(), f.plain()));
        current = current.apply(f.policy() == null ? where : where.withErrorPolicy(f.policy()));
      } else {
        ProjectSpec p = (ProjectSpec) step;
        Project<RefItem, RefItem> project = Project.to(p.name(), RefItem.class, p.projection());
        current = current.apply(p.policy() == null ? project : project.withErrorPolicy(p.policy()));
      }
    }
    built.any = current;
    RouteSpec spec = chain.route();
    if (spec == null) {
      built.leaves.put(chain.leaf(), current.toDataStream());
      return;
    }
    Route<RefItem> route = Route.by(spec.name());
    for (RouteTo to : spec.routes()) {
      route = route.to(to.route(), function(to.predicate(), to.plain()));
    }
    if (spec.otherwise() != null) {
      route = route.otherwise(spec.otherwise());
    }
    if (spec.all()) {
      route = route.withMatching(Route.Matching.ALL);
    }
    if (spec.policy() != null) {
      route = route.withErrorPolicy(spec.policy());
    }
    SplitStreams<RefItem> split = current.split(route);
    assertThat(split.names()).isEqualTo(route.routes());
    for (RouteTo to : spec.routes()) {
      build(split.get(to.route()), to.next(), built);
    }
    if (spec.otherwise() != null) {
      build(split.get(spec.otherwise()), spec.otherwiseNext(), built);
    }
  }

  // ---------------------------------------------------------------- running and comparing

  private static StreamExecutionEnvironment env(RuntimeExecutionMode mode, int parallelism) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(ExecutionOptions.RUNTIME_MODE, mode);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(parallelism);
    return env;
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> result = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(result::add);
    }
    return result;
  }

  private static final TypeInformation<Tuple2<String, RefItem>> OUTPUT_TYPE =
      Types.TUPLE(Types.STRING, RefItem.TYPE_INFO);

  private static final Comparator<RefItem> BY_ID =
      Comparator.comparingInt(RefItem::id).thenComparing(String::valueOf);

  /** One job with several generated pipelines, each compared with the model. */
  private static void runAndCompare(
      long seed, RuntimeExecutionMode mode, int parallelism, int pipelines, boolean failing)
      throws Exception {
    runAndCompare(seed, mode, parallelism, pipelines, failing, null);
  }

  private static void runAndCompare(
      long seed,
      RuntimeExecutionMode mode,
      int parallelism,
      int pipelines,
      boolean failing,
      @Nullable ChangePipeline changes)
      throws Exception {
    Gen gen = new Gen(seed, failing);
    StreamExecutionEnvironment env = env(mode, parallelism);
    List<Pipeline> specs = new ArrayList<>();
    List<Expected> expectations = new ArrayList<>();
    // one collect sink for every output of every pipeline, one for all dead letters: each sink
    // costs a MiniCluster job seconds
    DataStream<Tuple2<String, RefItem>> allOutputs = null;
    DataStream<DeadLetter> allDeadLetters = null;
    for (int i = 0; i < pipelines; i++) {
      Pipeline pipeline = gen.pipeline("ref" + seed + "-" + i);
      List<RefItem> input = gen.input(10 + gen.random.nextInt(50));
      Expected expected = PipelineIndependentReference.expect(pipeline, input);
      Built built = build(env, pipeline, input, parallelism);
      assertThat(built.any.pipeline().uids()).as(pipeline.toString()).isEqualTo(expected.uids);
      assertNamedOperators(built, expected);
      for (Map.Entry<String, DataStream<RefItem>> leaf : built.leaves.entrySet()) {
        String tag = pipeline.name() + " " + leaf.getKey();
        DataStream<Tuple2<String, RefItem>> tagged =
            leaf.getValue().map(item -> Tuple2.of(tag, item), OUTPUT_TYPE);
        allOutputs = allOutputs == null ? tagged : allOutputs.union(tagged);
      }
      DataStream<DeadLetter> letters = built.any.deadLetters();
      allDeadLetters = allDeadLetters == null ? letters : allDeadLetters.union(letters);
      specs.add(pipeline);
      expectations.add(expected);
    }
    if (changes != null) {
      SplitStreams<Change<RefItem>> routes = changes.build(env);
      for (String route : routes.names()) {
        String tag = ChangePipeline.NAME + " " + route;
        allOutputs =
            allOutputs.union(
                routes
                    .get(route)
                    .toDataStream()
                    .map(change -> Tuple2.of(tag, change.value()), OUTPUT_TYPE));
      }
      allDeadLetters = allDeadLetters.union(routes.get("big").deadLetters());
    }
    CloseableIterator<Tuple2<String, RefItem>> outputIterator = allOutputs.collectAsync();
    CloseableIterator<DeadLetter> deadLetterIterator = allDeadLetters.collectAsync();
    long started = System.currentTimeMillis();
    JobExecutionResult result;
    try {
      result = env.execute("pipeline-reference-" + seed);
    } catch (Exception e) {
      outputIterator.close();
      deadLetterIterator.close();
      EtlException etl = etlException(e);
      assertThat(etl).as("job failed without an EtlException: %s", e).isNotNull();
      assertThat(expectations.get(0).failure)
          .as(
              "seed %d: job failed at %s (%s) but the model expects no failure; %s",
              seed, etl.step(), etl.getCause(), specs.get(0))
          .isNotNull();
      assertThat(etl.step().step()).isEqualTo(expectations.get(0).failure.step());
      if (expectations.get(0).failure.errorClass() != null) {
        assertThat(etl.getCause()).isNotNull();
        assertThat(etl.getCause().getClass().getName())
            .isEqualTo(expectations.get(0).failure.errorClass());
      }
      return;
    }
    Map<String, List<RefItem>> outputs = new TreeMap<>();
    for (Tuple2<String, RefItem> t : drain(outputIterator)) {
      outputs.computeIfAbsent(t.f0, k -> new ArrayList<>()).add(t.f1);
    }
    Map<String, List<DeadLetter>> deadLetters = new TreeMap<>();
    for (DeadLetter letter : drain(deadLetterIterator)) {
      deadLetters.computeIfAbsent(letter.pipeline(), k -> new ArrayList<>()).add(letter);
    }
    long finished = System.currentTimeMillis();
    RecordAccounting accounting = RecordAccounting.of(result);
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    if (changes != null) {
      changes.verify(outputs, deadLetters.getOrDefault(ChangePipeline.NAME, List.of()), accounting);
    }
    for (int i = 0; i < specs.size(); i++) {
      Pipeline pipeline = specs.get(i);
      Expected expected = expectations.get(i);
      String what = "seed " + seed + " " + mode + " p" + parallelism + ": " + pipeline;
      assertThat(expected.failure).as(what + " model expects a failure").isNull();
      for (String leaf : expected.outputs.keySet()) {
        List<RefItem> actual =
            new ArrayList<>(outputs.getOrDefault(pipeline.name() + " " + leaf, List.of()));
        List<RefItem> want = new ArrayList<>(expected.outputs.get(leaf));
        if (parallelism > 1) {
          actual.sort(BY_ID);
          want.sort(BY_ID);
        }
        assertThat(actual).as(what + " output " + leaf).isEqualTo(want);
      }
      List<DeadLetter> letters = deadLetters.getOrDefault(pipeline.name(), List.of());
      for (DeadLetter letter : letters) {
        assertThat(letter.payloadBytes()).isNull();
        assertThat(letter.payloadTruncated()).isFalse();
        assertThat(letter.sourcePosition()).isNull();
        assertThat(letter.attempt()).isEqualTo(1);
        assertThat(letter.rejectedAt()).isBetween(started - 60_000, finished);
      }
      assertThat(
              letters.stream()
                  .map(
                      l ->
                          new ExpectedDeadLetter(
                              l.pipeline(),
                              l.step(),
                              l.uid(),
                              l.errorClass(),
                              l.errorMessage(),
                              l.payloadText(),
                              l.eventTime()))
                  .map(String::valueOf)
                  .sorted())
          .as(what + " dead letters")
          .containsExactlyElementsOf(
              expected.deadLetters.stream().map(String::valueOf).sorted().toList());
      Set<String> reported = new HashSet<>();
      for (RecordAccounting.StepCounts c : accounting.steps()) {
        if (!c.pipeline().equals(pipeline.name())) {
          continue;
        }
        reported.add(c.step());
        assertThat(expected.counts).as(what + " unexpected step").containsKey(c.step());
        assertThat(new Counts(c.in(), c.out(), c.filtered(), c.deadLettered(), c.emitted()))
            .as(what + " counts of " + c.step())
            .isEqualTo(expected.counts(c.step()));
        assertThat(c.deduplicated()).isZero();
      }
      for (String step : expected.counts.keySet()) {
        if (!reported.contains(step)) {
          assertThat(expected.counts(step))
              .as(what + " step missing from the accounting: " + step)
              .isEqualTo(new Counts(0, 0, 0, 0, 0));
        }
      }
      for (Map.Entry<String, Map<String, Long>> e : expected.filteredByPredicate.entrySet()) {
        assertThat(nonZero(Filters.filteredByPredicate(result, pipeline.name(), e.getKey())))
            .as(what + " filtered by predicate in " + e.getKey())
            .isEqualTo(e.getValue());
      }
      for (Map.Entry<String, Map<String, Long>> e : expected.routed.entrySet()) {
        assertThat(nonZero(Route.recordsPerRoute(result, pipeline.name(), e.getKey())))
            .as(what + " routed by " + e.getKey())
            .isEqualTo(e.getValue());
      }
    }
  }

  private static Map<String, Long> nonZero(Map<String, Long> counts) {
    return counts.entrySet().stream()
        .filter(e -> e.getValue() != 0)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, Long::sum, TreeMap::new));
  }

  @Nullable
  private static EtlException etlException(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EtlException etl) {
        return etl;
      }
    }
    return null;
  }

  /** Every step's operator carries the documented uid and name; route outputs are named. */
  private static void assertNamedOperators(Built built, Expected expected) {
    Map<String, String> uidToName = new TreeMap<>();
    Set<String> names = new HashSet<>();
    List<Transformation<?>> todo = new ArrayList<>();
    for (DataStream<RefItem> leaf : built.leaves.values()) {
      todo.add(leaf.getTransformation());
    }
    Set<Integer> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      Transformation<?> t = todo.remove(todo.size() - 1);
      if (!seen.add(t.getId())) {
        continue;
      }
      if (t.getUid() != null) {
        uidToName.put(t.getUid(), t.getName());
      }
      names.add(t.getName());
      todo.addAll(t.getInputs());
    }
    for (String uid : expected.uids) {
      assertThat(uidToName).containsEntry(uid, uid);
    }
    assertThat(names).containsAll(expected.routeStreamNames);
  }

  /**
   * {@code Change} records from a source without timestamps: their dead letters carry the change's
   * source position (in decimal) and the change's own event time, where it has one.
   */
  static final class ChangePipeline {
    static final String NAME = "changes";
    final List<Change<RefItem>> input = new ArrayList<>();

    ChangePipeline() {
      for (int id = 0; id < 12; id++) {
        String region = id % 3 == 0 ? null : "EU";
        Integer cents = id % 4 == 1 ? null : id * 100;
        Change<RefItem> change =
            Change.insert(new RefItem(id, region, cents, null)).withSourcePosition(100L + id);
        input.add(id % 2 == 0 ? change.withEventTime(5_000L + id) : change);
      }
    }

    SplitStreams<Change<RefItem>> build(StreamExecutionEnvironment env) {
      DataStream<Change<RefItem>> source =
          env.fromData(input, Change.typeInfo(RefItem.TYPE_INFO)).rebalance();
      return Etl.from(source, NAME)
          .apply(
              Filters.where(
                  "valid",
                  NamedPredicate.<Change<RefItem>>of(
                      "region",
                      change -> {
                        if (change.value().region() == null) {
                          throw new PipelineIndependentReference.BadInput("no region");
                        }
                        return true;
                      })))
          .split(
              Route.<Change<RefItem>>by("by-cents")
                  .to("big", change -> change.value().cents() >= 500)
                  .otherwise("small"));
    }

    void verify(
        Map<String, List<RefItem>> outputs, List<DeadLetter> letters, RecordAccounting accounting) {
      List<String> want = new ArrayList<>();
      List<Integer> big = new ArrayList<>();
      List<Integer> small = new ArrayList<>();
      for (Change<RefItem> change : input) {
        RefItem item = change.value();
        String step;
        if (item.region() == null) {
          step = "valid";
        } else if (item.cents() == null) {
          step = "by-cents";
        } else {
          (item.cents() >= 500 ? big : small).add(item.id());
          continue;
        }
        want.add(step + " " + change.sourcePosition() + " " + change.eventTime() + " " + change);
      }
      assertThat(
              letters.stream()
                  .map(
                      l ->
                          l.step()
                              + " "
                              + l.sourcePosition()
                              + " "
                              + l.eventTime()
                              + " "
                              + l.payloadText())
                  .sorted())
          .as("dead letters of change records")
          .containsExactlyElementsOf(want.stream().sorted().toList());
      assertThat(outputs.getOrDefault(NAME + " big", List.of()))
          .extracting(RefItem::id)
          .containsExactlyInAnyOrderElementsOf(big);
      assertThat(outputs.getOrDefault(NAME + " small", List.of()))
          .extracting(RefItem::id)
          .containsExactlyInAnyOrderElementsOf(small);
      assertThat(accounting.step(NAME, "by-cents").filtered()).isZero();
    }
  }

  // ---------------------------------------------------------------- the tests

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomPipelines_streamingParallelism2_matchTheReference(long seed) throws Exception {
    runAndCompare(seed, RuntimeExecutionMode.STREAMING, 2, 5, false, new ChangePipeline());
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("seeds")
  void randomPipelines_batchParallelism2_matchTheReference(long seed) throws Exception {
    runAndCompare(seed + 1000, RuntimeExecutionMode.BATCH, 2, 5, false);
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("policySeeds")
  void randomPipelinesWithFailingPolicies_parallelism1_failWhereTheReferenceFails(long seed)
      throws Exception {
    runAndCompare(
        // + 2002: the default seeds 1 and 2 then give one job that a budget fails after 11 dead
        // letters and one that runs through with a dead letter
        seed + 2002,
        seed % 2 == 0 ? RuntimeExecutionMode.BATCH : RuntimeExecutionMode.STREAMING,
        1,
        1,
        true);
  }

  @Test
  void uids_dependOnNamesOnly_notOnPosition() {
    Gen gen = new Gen(42, false);
    for (int i = 0; i < 20; i++) {
      Pipeline pipeline = gen.pipeline("stable");
      List<RefItem> input = gen.input(3);
      Expected expected = PipelineIndependentReference.expect(pipeline, input);
      Built first = build(env(RuntimeExecutionMode.STREAMING, 1), pipeline, input, 1);
      Built again = build(env(RuntimeExecutionMode.STREAMING, 1), pipeline, input, 2);
      assertThat(first.any.pipeline().uids()).isEqualTo(expected.uids);
      assertThat(again.any.pipeline().uids()).isEqualTo(expected.uids);
      // a step inserted in front changes no other uid
      List<Step> withInserted = new ArrayList<>();
      withInserted.add(
          new FilterSpec(
              "inserted",
              new PLeaf(new Leaf("x", LeafKind.TAG_PRESENT, null, 0, 2, 0)),
              true,
              null));
      withInserted.addAll(pipeline.chain().steps());
      Pipeline inserted =
          new Pipeline(
              pipeline.name(),
              new Chain(withInserted, pipeline.chain().route(), pipeline.chain().leaf()),
              pipeline.timestamps(),
              pipeline.defaultPolicy());
      Built third = build(env(RuntimeExecutionMode.STREAMING, 1), inserted, input, 1);
      List<String> want = new ArrayList<>(List.of("stable/inserted"));
      want.addAll(expected.uids);
      assertThat(third.any.pipeline().uids()).isEqualTo(want);
    }
  }

  @Test
  void reference_selfCheck_namesOfComposites() {
    P a = new PLeaf(new Leaf("a", LeafKind.TAG_PRESENT, null, 0, 2, 0));
    P b = new PLeaf(new Leaf("b", LeafKind.TAG_PRESENT, null, 0, 2, 0));
    P c = new PLeaf(new Leaf("c", LeafKind.TAG_PRESENT, null, 0, 2, 0));
    P p = new PAnd(List.of(a, new PNot(new POr(List.of(b, c)))));
    assertThat(PipelineIndependentReference.name(p)).isEqualTo("a and not (b or c)");
    assertThat(named(p).name()).isEqualTo("a and not (b or c)");
    P nested = new PAnd(List.of(a, new PAnd(List.of(b, c))));
    assertThat(PipelineIndependentReference.conjuncts(nested)).hasSize(3);
    assertThat(named(nested).conjuncts())
        .extracting(NamedPredicate::name)
        .containsExactly("a", "b", "c");
    assertThatThrownBy(() -> Filters.where("dup", named(new PAnd(List.of(a, a)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'a' appears twice");
  }
}
