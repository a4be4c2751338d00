package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Steps;
import dev.etlkit.operators.avro.Avro;
import dev.etlkit.operators.cdc.Debezium;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.Enrich;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.filter.Filters;
import dev.etlkit.operators.filter.Project;
import dev.etlkit.operators.filter.Route;
import dev.etlkit.operators.json.Json;
import dev.etlkit.operators.normalize.ChangelogCheck;
import dev.etlkit.operators.normalize.Normalize;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every step with {@code withErrorPolicy} has {@code withPipelineErrorPolicy()}: a variant derived
 * from a shared base with a policy of its own is then the step that never had one (the same fields,
 * so the same printout, and the pipeline's default policy when applied). The SCD2 step has the same
 * test in etl-scd ({@code Scd2StepTest}), which does not depend on this module.
 */
class PipelineErrorPolicyResetTest {

  /** A row type every family can read and write. */
  public record Item(String id, long cents) {}

  private static final Schema ITEM =
      SchemaBuilder.record("Item")
          .namespace("dev.etlkit.operators.test")
          .fields()
          .requiredString("id")
          .requiredLong("cents")
          .endRecord();

  /** Only builds job graphs (never executes), for the dimension join's dimension stream. */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  /**
   * One step spec: the spec that never had a policy, how a variant sets one and how it resets it.
   */
  record Case<S>(String name, S never, UnaryOperator<S> withPolicy, UnaryOperator<S> reset) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static <S> Case<S> of(
      String name, S never, UnaryOperator<S> withPolicy, UnaryOperator<S> reset) {
    return new Case<>(name, never, withPolicy, reset);
  }

  static Stream<Case<?>> steps() {
    ErrorPolicy own = ErrorPolicy.failJob();
    DataStream<Change<String>> dimension =
        ENV.fromSequence(0, 0).map(n -> Change.insert("k" + n), Change.typeInfo(Types.STRING));
    Avro.EncodeStep<GenericRecord> encode = Avro.encode("to-avro", ITEM);
    return Stream.of(
        of(
            "Steps.map",
            Steps.map("trim", String::trim, Types.STRING),
            s -> s.withErrorPolicy(own),
            Steps.MapStep::withPipelineErrorPolicy),
        of(
            "Steps.filter",
            Steps.filter("non-empty", (String s) -> !s.isEmpty()),
            s -> s.withErrorPolicy(own),
            Steps.FilterStep::withPipelineErrorPolicy),
        of(
            "Avro.decode",
            Avro.decode("from-avro", ITEM, PayloadInput.bytes()),
            s -> s.withErrorPolicy(own),
            Avro.DecodeStep::withPipelineErrorPolicy),
        of(
            "Avro.encode",
            encode,
            s -> s.withErrorPolicy(own),
            Avro.EncodeStep::withPipelineErrorPolicy),
        of(
            "Avro.encode asRawRecords",
            encode.asRawRecords(
                record -> String.valueOf(record.get("id")).getBytes(StandardCharsets.UTF_8)),
            s -> s.withErrorPolicy(own),
            s -> s.withPipelineErrorPolicy()),
        of(
            "Avro.fromJson",
            Avro.fromJson("json-to-avro", ITEM, PayloadInput.text()),
            s -> s.withErrorPolicy(own),
            Avro.FromJsonStep::withPipelineErrorPolicy),
        of(
            "Avro.fromPojo",
            Avro.fromPojo("pojo-to-avro", Item.class, ITEM),
            s -> s.withErrorPolicy(own),
            Avro.FromPojoStep::withPipelineErrorPolicy),
        of(
            "Avro.toJson",
            Avro.<GenericRecord>toJson("avro-to-json"),
            s -> s.withErrorPolicy(own),
            Avro.ToJsonStep::withPipelineErrorPolicy),
        of(
            "Debezium.decode",
            Debezium.decode("items-cdc", Item.class),
            s -> s.withErrorPolicy(own),
            Debezium.DecodeStep::withPipelineErrorPolicy),
        of(
            "Dedup.keepFirst",
            Dedup.keepFirst("dedup", Item::id),
            s -> s.withErrorPolicy(own),
            Dedup.DedupStep::withPipelineErrorPolicy),
        of(
            "DimensionJoin.latest",
            DimensionJoin.latest(
                "join",
                dimension,
                (String fact) -> fact,
                (String row) -> row,
                (String fact, String row, JoinStatus status) -> fact + row,
                Types.STRING),
            s -> s.withErrorPolicy(own),
            s -> s.withPipelineErrorPolicy()),
        of(
            "Enrich.lookup",
            Enrich.lookup(
                "enrich",
                (String key) -> key,
                (String key) -> CompletableFuture.completedFuture(Optional.of(key)),
                (String in, String value, LookupStatus status) -> in + value,
                Types.STRING),
            s -> s.withErrorPolicy(own),
            Enrich.LookupStep::withPipelineErrorPolicy),
        of(
            "Filters.where",
            Filters.where("big", (Item item) -> item.cents() >= 1000),
            s -> s.withErrorPolicy(own),
            Filters.Where::withPipelineErrorPolicy),
        of(
            "Project.to",
            Project.to("ids", Item.class, (Item item) -> new Item(item.id(), 0)),
            s -> s.withErrorPolicy(own),
            Project::withPipelineErrorPolicy),
        of(
            "Route.by",
            Route.<Item>by("route").to("big", item -> item.cents() >= 1000).otherwise("small"),
            s -> s.withErrorPolicy(own),
            Route::withPipelineErrorPolicy),
        of(
            "Json.parse",
            Json.parse("parse", Item.class),
            s -> s.withErrorPolicy(own),
            s -> s.withPipelineErrorPolicy()),
        of(
            "Json.write",
            Json.write("write", Item.class),
            s -> s.withErrorPolicy(own),
            s -> s.withPipelineErrorPolicy()),
        of(
            "ChangelogCheck.validate",
            ChangelogCheck.validate("check", Item::id, Types.STRING),
            s -> s.withErrorPolicy(own),
            ChangelogCheck::withPipelineErrorPolicy),
        of(
            "Normalize.upserts",
            Normalize.upserts("normalize", Item::id, Types.STRING),
            s -> s.withErrorPolicy(own),
            s -> s.withPipelineErrorPolicy()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("steps")
  void withPipelineErrorPolicy_onAStepDerivedFromOneWithItsOwn_isTheStepThatNeverHadOne(
      Case<?> step) {
    check(step);
  }

  private static <S> void check(Case<S> step) {
    S own = step.withPolicy().apply(step.never());
    S reset = step.reset().apply(own);

    assertThat(own).asString().contains("errorPolicy=fail-job"); // the printout shows a policy
    assertThat(reset).hasToString(step.never().toString());
    assertThat(reset).usingRecursiveComparison().isEqualTo(step.never());
    assertThat(step.reset().apply(step.never())).usingRecursiveComparison().isEqualTo(step.never());
  }
}
