package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.annotation.Nullable;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.runtime.state.TestTaskStateManagerBuilder;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.runtime.state.changelog.inmemory.InMemoryStateChangelogStorage;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The step under Flink's changelog state backend over the heap ({@code state.changelog.enabled}):
 * the heap keeps the state objects, so the step's cursor stays resident as on the plain heap, and
 * every state write is also serialized into the changelog, from which a restore replays the state.
 *
 * <ul>
 *   <li>A change the step made to a heap object in place without writing it back would be missing
 *       after such a restore while passing every plain heap test: restoring at cut points from the
 *       changelog alone (the harness runs no materialization) must reproduce the plain heap's
 *       output.
 *   <li>Keys there seal chunks of {@code KeyHistory.CHUNK_SIZE} (8), as on RocksDB, not the plain
 *       heap's 32: the open chunk is in the cursor, which is serialized with every write
 *       (docs/scd2-performance-notes.md, "The changelog state backend").
 * </ul>
 */
class Scd2ChangelogBackendTest {

  private static final String KEY = "c1";

  @Test
  void restoredFromTheChangelogAtCutPoints_emitsWhatThePlainHeapEmits() throws Exception {
    Random random = new Random(11);
    List<Change<Customer>> changes = Scd2HeapReuseTest.changes(2_400, 1_000, random);
    var recipe = Scd2HeapReuseTest.recipe();
    List<String> expected = onPlainHeap(recipe, changes).output();
    assertThat(expected).hasSizeGreaterThan(changes.size()); // versions were closed and opened

    // every kept change of a key sits in some sealed chunk after a few hundred of its changes,
    // pruned chunks are reused: the cut points fall between such changes
    List<String> output = new ArrayList<>();
    OperatorSubtaskState state = null;
    int from = 0;
    long checkpoint = 0;
    for (int cut : new int[] {1, 130, 700, 701, 1_500, 2_399, 2_400}) {
      try (ChangelogHarness h = ChangelogHarness.open(recipe, state)) {
        for (int i = from; i < cut; i++) {
          h.harness.processElement(changes.get(i), 0L);
        }
        output.addAll(Scd2Harnesses.show(h.output()));
        checkpoint++;
        state = h.harness.snapshot(checkpoint, checkpoint);
      }
      from = cut;
    }
    assertThat(output).isEqualTo(expected);
  }

  @Test
  void keysSealChunksOfEight_notThePlainHeapsThirtyTwo() throws Exception {
    List<Change<Customer>> changes = new ArrayList<>();
    for (int i = 0; i < 64; i++) { // one key, in order, 63 ms: within the horizon, none pruned
      changes.add(
          Change.updateAfter(
              new Customer(KEY, "s" + (i % 2), "555", Instant.ofEpochMilli(1_000 + i))));
    }
    var recipe = Scd2HeapReuseTest.recipe();
    PlainHeapRun heap = onPlainHeap(recipe, changes);

    try (ChangelogHarness h = ChangelogHarness.open(recipe, null)) {
      for (Change<Customer> change : changes) {
        h.harness.processElement(change, 0L);
      }
      assertThat(Scd2Harnesses.show(h.output())).isEqualTo(heap.output());
      // 63 kept changes before the latest: seven chunks of 8 sealed, one of 32 on the plain heap
      assertThat(sealedChunks(h.harness.getOperator().getKeyedStateBackend())).isEqualTo(7);
    }
    assertThat(heap.sealedChunks()).isEqualTo(1);
  }

  /** What the step emitted on the plain heap, and the sealed chunks {@link #KEY} had then. */
  private record PlainHeapRun(List<String> output, int sealedChunks) {}

  private static PlainHeapRun onPlainHeap(
      Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe, List<Change<Customer>> changes)
      throws Exception {
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> heap =
        recipe.open(StateBackendKind.HEAP)) {
      for (Change<Customer> change : changes) {
        heap.processElement(change);
      }
      return new PlainHeapRun(
          Scd2Harnesses.show(heap.output()),
          sealedChunks(heap.unwrap().getOperator().getKeyedStateBackend()));
    }
  }

  /** The number of sealed chunks of kept changes of {@link #KEY}. */
  private static int sealedChunks(KeyedStateBackend<Object> backend) throws Exception {
    backend.setCurrentKey(KEY);
    MapState<Long, ?> chunks =
        backend.getPartitionedState(
            VoidNamespace.INSTANCE,
            VoidNamespaceSerializer.INSTANCE,
            new MapStateDescriptor<>(
                "chunks", Types.LONG, dev.etlkit.scd.internal.ChangeChunk.typeInfo(Customer.TYPE)));
    int count = 0;
    for (Long ignored : chunks.keys()) {
      count++;
    }
    return count;
  }

  /** A harness of the step on the changelog state backend over the heap, changes kept in memory. */
  private static final class ChangelogHarness implements AutoCloseable {
    final KeyedOneInputStreamOperatorTestHarness<
            String, Change<Customer>, Change<Scd2Row<Customer>>>
        harness;
    private final MockEnvironment environment;

    private ChangelogHarness(
        KeyedOneInputStreamOperatorTestHarness<String, Change<Customer>, Change<Scd2Row<Customer>>>
            harness,
        MockEnvironment environment) {
      this.harness = harness;
      this.environment = environment;
    }

    static ChangelogHarness open(
        Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe,
        @Nullable OperatorSubtaskState state)
        throws Exception {
      Configuration noGenericTypes = new Configuration();
      noGenericTypes.set(PipelineOptions.GENERIC_TYPES, false);
      ExecutionConfig executionConfig = new ExecutionConfig();
      executionConfig.configure(noGenericTypes, Scd2ChangelogBackendTest.class.getClassLoader());
      MockEnvironment environment =
          new MockEnvironmentBuilder()
              .setTaskName("scd2-changelog")
              .setExecutionConfig(executionConfig)
              .setMaxParallelism(128)
              .setTaskStateManager(
                  new TestTaskStateManagerBuilder()
                      .setStateChangelogStorage(new InMemoryStateChangelogStorage())
                      .build())
              .build();
      KeyedOneInputStreamOperatorTestHarness<String, Change<Customer>, Change<Scd2Row<Customer>>>
          harness =
              new KeyedOneInputStreamOperatorTestHarness<>(
                  new KeyedProcessOperator<>(recipe.newFunction()),
                  recipe.keySelector(),
                  Types.STRING,
                  environment);
      harness.setStateBackend(changelogOverHeap());
      harness.setup(
          recipe.outputType().createSerializer(harness.getExecutionConfig().getSerializerConfig()));
      harness.initializeState(state);
      harness.open();
      return new ChangelogHarness(harness, environment);
    }

    List<Change<Scd2Row<Customer>>> output() {
      return harness.extractOutputValues();
    }

    @Override
    public void close() throws Exception {
      try {
        harness.close();
      } finally {
        environment.close();
      }
    }
  }

  private static StateBackend changelogOverHeap() throws Exception {
    Configuration changelog = new Configuration();
    changelog.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
    StateBackend backend =
        StateBackendLoader.fromApplicationOrConfigOrDefault(
            new HashMapStateBackend(),
            changelog,
            new Configuration(),
            Scd2ChangelogBackendTest.class.getClassLoader(),
            null);
    assertThat(StateBackendLoader.isChangelogStateBackend(backend)).isTrue();
    return backend;
  }
}
