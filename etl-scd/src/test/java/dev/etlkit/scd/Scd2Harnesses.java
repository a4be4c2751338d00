package dev.etlkit.scd;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.StateInventory;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.scd.internal.ChangeChunk;
import dev.etlkit.scd.internal.KeyHistory;
import dev.etlkit.scd.internal.Scd2Function;
import dev.etlkit.scd.internal.Scd2Operator;
import dev.etlkit.testkit.KeyedHarness;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.OutputTag;

/**
 * Harness recipes of SCD2 steps, built from their public specs (so defaults are resolved as in a
 * pipeline), remembering the last function created so tests can read its counters.
 */
public final class Scd2Harnesses {

  public static final StepIdentity STEP = new StepIdentity("test", "scd2", "test/scd2");
  public static final OutputTag<DeadLetter> DEAD_LETTERS = DeadLetter.OUTPUT_TAG;

  private Scd2Harnesses() {}

  /** A recipe for {@code step} on input of {@code inputType}; the last function is kept. */
  public static <I, T> Recipe<I, T> of(
      Scd2Step<I, T> step, TypeInformation<I> inputType, @Nullable Duration ttl) {
    return new Recipe<>(step, inputType, ttl, ErrorPolicy.deadLetter());
  }

  /** A recipe without TTL. */
  public static <I, T> Recipe<I, T> of(Scd2Step<I, T> step, TypeInformation<I> inputType) {
    return of(step, inputType, null);
  }

  /**
   * Harnesses for the operator of {@code step} exactly as a pipeline {@code test} expands it, with
   * the pipeline's default state TTL {@code pipelineDefaultTtl} (null: none set), so the TTL is
   * resolved by the pipeline; and the pipeline's state inventory.
   */
  public static synchronized <I, T> Expanded<I, T> expanded(
      Scd2Step<I, T> step, TypeInformation<I> inputType, @Nullable Duration pipelineDefaultTtl) {
    DataStream<I> source = ENV.fromSequence(0, 0).map(new Never<I>(), inputType);
    EtlStream<I> input = Etl.from(source, STEP.pipeline());
    if (pipelineDefaultTtl != null) {
      input.defaultStateTtl(pipelineDefaultTtl);
    }
    EtlStream<Change<Scd2Row<T>>> output = input.apply(step);
    return new Expanded<>(
        KeyedHarness.forStream(output.toDataStream(), inputType), output.stateInventory());
  }

  /** A step's harnesses as its pipeline expanded it, and the pipeline's state inventory. */
  public record Expanded<I, T>(
      KeyedHarness<Object, I, Change<Scd2Row<T>>> harness, StateInventory inventory) {}

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

  /** The late-changes side output of a step with this input type. */
  public static <I> OutputTag<I> lateTag(TypeInformation<I> inputType) {
    return Scd2Function.lateChangesTag(inputType);
  }

  /**
   * How much longer a long-history test's changelog and horizon must be on {@code backend} for its
   * keys to seal chunks as often as on RocksDB: the heap seals chunks of {@link
   * KeyHistory#HEAP_CHUNK_SIZE} kept changes, RocksDB of {@link KeyHistory#CHUNK_SIZE}.
   */
  public static int longHistoryScale(StateBackendKind backend) {
    return backend == StateBackendKind.HEAP
        ? KeyHistory.HEAP_CHUNK_SIZE / KeyHistory.CHUNK_SIZE
        : 1;
  }

  /** Number of keys with an entry in the named state. */
  public static long stateKeys(OperatorHarness<?, ?> harness, String stateName) throws Exception {
    try (java.util.stream.Stream<?> keys =
        harness
            .unwrap()
            .getOperator()
            .getKeyedStateBackend()
            .getKeys(stateName, org.apache.flink.runtime.state.VoidNamespace.INSTANCE)) {
      return keys.count();
    }
  }

  /** Number of sealed chunks of kept changes {@code key} of a {@code Customer} step has. */
  public static int sealedChunks(OperatorHarness<?, ?> harness, String key) throws Exception {
    KeyedStateBackend<Object> backend = harness.unwrap().getOperator().getKeyedStateBackend();
    backend.setCurrentKey(key);
    MapState<Long, ?> chunks =
        backend.getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            new MapStateDescriptor<>("chunks", Types.LONG, ChangeChunk.typeInfo(Customer.TYPE)));
    int count = 0;
    for (Long ignored : chunks.keys()) {
      count++;
    }
    return count;
  }

  /** Output records as short strings: {@code +I c1 v1 [..., null) current ...}. */
  public static <T> List<String> show(List<Change<Scd2Row<T>>> changes) {
    List<String> shown = new ArrayList<>(changes.size());
    for (Change<Scd2Row<T>> change : changes) {
      shown.add(change.kind().shortString() + " " + change.value());
    }
    return shown;
  }

  /** A harness recipe of one SCD2 step. */
  public static final class Recipe<I, T> {
    private final Scd2Step<I, T> step;
    private final TypeInformation<I> inputType;
    @Nullable private final Duration ttl;
    private final ErrorPolicy policy;
    @Nullable private Scd2Function<I, T> last;

    private Recipe(
        Scd2Step<I, T> step,
        TypeInformation<I> inputType,
        @Nullable Duration ttl,
        ErrorPolicy policy) {
      this.step = step;
      this.inputType = inputType;
      this.ttl = ttl;
      this.policy = policy;
    }

    /** The same recipe with another error policy. */
    public Recipe<I, T> withErrorPolicy(ErrorPolicy errorPolicy) {
      return new Recipe<>(step, inputType, ttl, errorPolicy);
    }

    /** The keyed harness recipe (heap unless {@code on(...)} says otherwise). */
    public KeyedHarness<String, I, Change<Scd2Row<T>>> harness() {
      TypeInformation<T> valueType = step.config(inputType, ttl).valueType();
      return KeyedHarness.forOperator(
          () -> {
            last = step.createFunction(inputType, ttl, new ErrorHandler(STEP, policy));
            return new Scd2Operator<>(last);
          },
          step.keySelector(),
          Types.STRING,
          Change.typeInfo(Scd2Row.typeInfo(valueType)));
    }

    /** An opened harness on {@code backend}. */
    public OperatorHarness<I, Change<Scd2Row<T>>> open(dev.etlkit.testkit.StateBackendKind backend)
        throws Exception {
      return harness().on(backend).open();
    }

    /** The function the last harness created. */
    public Scd2Function<I, T> function() {
      if (last == null) {
        throw new IllegalStateException("no harness opened yet");
      }
      return last;
    }
  }
}
