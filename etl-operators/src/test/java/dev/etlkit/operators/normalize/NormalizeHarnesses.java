package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.normalize.internal.ChangelogCheckFunction;
import dev.etlkit.operators.normalize.internal.ChangelogCheckOperator;
import dev.etlkit.operators.normalize.internal.NormalizeFunctionBase;
import dev.etlkit.operators.normalize.internal.NormalizeOperator;
import dev.etlkit.testkit.ChangelogGenerator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * Harness recipes of the normalize steps, built from their public specs (so defaults and routes are
 * resolved as in a pipeline), remembering the last function created so tests can read its counters.
 * A recipe stands for one job graph: the functions it creates, for every subtask and restore, draw
 * the same fingerprint key, drawn with the recipe unless it is given one. A recipe made for a
 * restore stands for a resubmitted job, which draws another key.
 */
final class NormalizeHarnesses {

  static final TypeInformation<Change<String>> STRING_CHANGES = Change.typeInfo(Types.STRING);
  static final TypeInformation<Change<Customer>> CUSTOMER_CHANGES = Change.typeInfo(Customer.TYPE);
  static final StepIdentity STEP = new StepIdentity("test", "normalize", "test/normalize");
  static final OutputTag<Change<String>> REJECTED_STRINGS =
      new OutputTag<>(NormalizeFunctionBase.REJECTED_OUTPUT_ID, STRING_CHANGES);
  static final OutputTag<Change<Customer>> REJECTED_CUSTOMERS =
      new OutputTag<>(NormalizeFunctionBase.REJECTED_OUTPUT_ID, CUSTOMER_CHANGES);
  static final OutputTag<DeadLetter> DEAD_LETTERS = DeadLetter.OUTPUT_TAG;

  private NormalizeHarnesses() {}

  /** The normalizer of generated string rows ({@code k1#v2}, tombstones {@code k1#}). */
  static UpsertNormalize<String, String> strings() {
    return Normalize.upserts("normalize", ChangelogGenerator::stringKey, Types.STRING);
  }

  /** The check of generated string rows. */
  static ChangelogCheck<String, String> stringCheck() {
    return ChangelogCheck.validate("check", ChangelogGenerator::stringKey, Types.STRING);
  }

  static ErrorHandler errors() {
    return new ErrorHandler(STEP, ErrorPolicy.deadLetter());
  }

  /** A normalizer recipe; the function built last is {@link Normalizer#function()}. */
  static <T, K> Normalizer<T, K> normalizer(
      UpsertNormalize<T, K> spec, TypeInformation<T> valueType, @Nullable Duration ttl) {
    return new Normalizer<>(spec, valueType, ttl, null);
  }

  /** A normalizer recipe whose functions all draw {@code key}. */
  static <T, K> Normalizer<T, K> normalizerWithKey(
      UpsertNormalize<T, K> spec, TypeInformation<T> valueType, FingerprintKey key) {
    return new Normalizer<>(spec, valueType, null, key);
  }

  static <T, K> Checker<T, K> checker(
      ChangelogCheck<T, K> spec, TypeInformation<T> valueType, @Nullable Duration ttl) {
    return new Checker<>(spec, valueType, ttl, null, false);
  }

  /**
   * A check recipe whose operators order groups of equal timestamps as on batch mode's sorted
   * input: feed each key's records together, in timestamp order, and end the input.
   */
  static <T, K> Checker<T, K> sortedBatchChecker(
      ChangelogCheck<T, K> spec, TypeInformation<T> valueType) {
    return new Checker<>(spec, valueType, null, null, true);
  }

  /** A check recipe whose functions all draw {@code key}. */
  static <T, K> Checker<T, K> checkerWithKey(
      ChangelogCheck<T, K> spec, TypeInformation<T> valueType, FingerprintKey key) {
    return new Checker<>(spec, valueType, null, key, false);
  }

  /**
   * Harnesses for the keyed operator of {@code step} exactly as a pipeline {@code test} expands it,
   * with the pipeline's default state TTL {@code pipelineDefaultTtl} (null: none set), so the TTL
   * is resolved by the pipeline; and the pipeline's state inventory.
   */
  static synchronized <T> Expanded<T> expanded(
      EtlStep<Change<T>, Change<T>> step,
      TypeInformation<Change<T>> type,
      @Nullable Duration pipelineDefaultTtl) {
    DataStream<Change<T>> source = ENV.fromSequence(0, 0).map(new Never<Change<T>>(), type);
    EtlStream<Change<T>> input = Etl.from(source, STEP.pipeline());
    if (pipelineDefaultTtl != null) {
      input.defaultStateTtl(pipelineDefaultTtl);
    }
    EtlStream<Change<T>> output = input.apply(step);
    return new Expanded<>(
        KeyedHarness.forStream(output.toDataStream(), type), output.stateInventory(), output);
  }

  /**
   * A step's harnesses as its pipeline expanded it, the pipeline's state inventory and the step's
   * output.
   */
  record Expanded<T>(
      KeyedHarness<Object, Change<T>, Change<T>> harness,
      StateInventory inventory,
      EtlStream<Change<T>> output) {}

  /** Only builds job graphs (never executes). */
  private static final StreamExecutionEnvironment ENV =
      StreamExecutionEnvironment.getExecutionEnvironment();

  private static final class Never<I> implements MapFunction<Long, I> {
    private static final long serialVersionUID = 1L;

    @Override
    public I map(Long value) {
      throw new UnsupportedOperationException("never executed");
    }
  }

  /** {@code key}, or a newly drawn one. */
  private static FingerprintKey drawnOr(@Nullable FingerprintKey key) {
    return key != null ? key : FingerprintKey.random();
  }

  /**
   * Number of keys that have an entry in the named state, on any backend (expired entries not yet
   * cleaned up included).
   */
  static long stateKeys(OperatorHarness<?, ?> harness, String stateName) {
    try (Stream<?> keys =
        harness
            .unwrap()
            .getOperator()
            .getKeyedStateBackend()
            .getKeys(stateName, VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  /** The changes as short strings: {@code +I[k1#v1]} (metadata included when set). */
  static <T> List<String> show(List<Change<T>> changes) {
    List<String> shown = new ArrayList<>(changes.size());
    for (Change<T> change : changes) {
      shown.add(change.toString());
    }
    return shown;
  }

  static final class Normalizer<T, K> {
    private final List<NormalizeFunctionBase<K, T>> created = new ArrayList<>();
    final KeyedHarness<K, Change<T>, Change<T>> recipe;

    private Normalizer(
        UpsertNormalize<T, K> spec,
        TypeInformation<T> valueType,
        @Nullable Duration ttl,
        @Nullable FingerprintKey key) {
      FingerprintKey drawn = drawnOr(key);
      this.recipe =
          KeyedHarness.forOperator(
              () -> {
                NormalizeFunctionBase<K, T> function =
                    spec.createFunction(valueType, ttl, errors(), drawn);
                created.add(function);
                return new NormalizeOperator<>(function); // as the step wires it
              },
              spec.changeKey(),
              spec.keyType(),
              Change.typeInfo(valueType));
    }

    /** The function of the harness opened last. */
    NormalizeFunctionBase<K, T> function() {
      return created.get(created.size() - 1);
    }
  }

  static final class Checker<T, K> {
    private final List<ChangelogCheckFunction<K, T>> created = new ArrayList<>();
    final KeyedHarness<K, Change<T>, Change<T>> recipe;

    private Checker(
        ChangelogCheck<T, K> spec,
        TypeInformation<T> valueType,
        @Nullable Duration ttl,
        @Nullable FingerprintKey key,
        boolean sortedBatch) {
      FingerprintKey drawn = drawnOr(key);
      this.recipe =
          KeyedHarness.forOperator(
              () -> {
                ChangelogCheckFunction<K, T> function =
                    spec.createFunction(valueType, ttl, errors(), drawn);
                created.add(function);
                // as the step wires it; or as it runs on batch mode's sorted input
                return sortedBatch
                    ? ChangelogCheckOperator.assumingSortedBatchInput(function)
                    : new ChangelogCheckOperator<>(function);
              },
              spec.changeKey(),
              spec.keyType(),
              Change.typeInfo(valueType));
    }

    ChangelogCheckFunction<K, T> function() {
      return created.get(created.size() - 1);
    }
  }
}
