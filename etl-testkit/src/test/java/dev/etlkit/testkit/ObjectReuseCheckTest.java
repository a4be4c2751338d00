package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.LastCell.Cell;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ObjectReuseCheckTest {

  private static final HarnessInput<Cell> SCRIPT =
      HarnessInput.<Cell>builder()
          .element(new Cell("k1", "a"))
          .element(new Cell("k2", "b"))
          .element(new Cell("k1", "c"))
          .element(new Cell("k1", "c"))
          .build();

  @Test
  void operatorKeepingItsInput_failsOnTheHeap() {
    // tag::object-reuse-check[]
    Cell reused = new Cell(); // the one object the upstream emits over and over
    ObjectReuseCheck<Cell, String> check =
        ObjectReuseCheck.of(
            LastCell.keepingInputs().on(StateBackendKind.HEAP), SCRIPT, reused::fill);

    assertThatThrownBy(check::verify)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Reused input objects (object reuse on) changed the output on HEAP")
        .hasMessageContaining("fresh objects:  main: k1#a -> k1#c")
        .hasMessageContaining("reused objects: main: k1#c -> k1#c");
    // end::object-reuse-check[]
  }

  @Test
  void operatorKeepingItsInput_withoutAnotherRecordOfItsKey_failsOnTheStateAfterARestore() {
    HarnessInput<Cell> oneEach =
        HarnessInput.<Cell>builder()
            .element(new Cell("k1", "a"))
            .element(new Cell("k2", "b"))
            .build();
    Cell reused = new Cell();

    assertThatThrownBy(
            ObjectReuseCheck.of(
                    LastCell.keepingInputs().on(StateBackendKind.HEAP), oneEach, reused::fill)
                ::verify)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("changed the state: after a restore")
        .hasMessageContaining("fresh objects:  main: k2#b -> k2#b")
        .hasMessageContaining("reused objects: main: k1#a -> k2#b");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void operatorCopyingItsInput_passes(StateBackendKind backend) {
    Cell reused = new Cell();
    ObjectReuseCheck.of(LastCell.copyingInputs().on(backend), SCRIPT, reused::fill).verify();
  }

  @Test
  void rocksDb_serializesEveryWrite_soEvenAnOperatorKeepingItsInputPasses() {
    Cell reused = new Cell();
    ObjectReuseCheck.of(LastCell.keepingInputs().on(StateBackendKind.ROCKSDB), SCRIPT, reused::fill)
        .verify();
  }

  @Test
  void refillReturningTheElementItself_isRejected() {
    assertThatThrownBy(ObjectReuseCheck.of(LastCell.copyingInputs(), SCRIPT, c -> c)::verify)
        .isInstanceOf(AssertionError.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .hasRootCauseMessage(
            "refill returned the element itself: it must return the upstream's reused object");
  }

  @Test
  void refillReturningAFreshCopy_isRejected_theCheckCouldNotFail() {
    // a copy per record reuses nothing: even an operator keeping its input would pass
    assertThatThrownBy(
            ObjectReuseCheck.of(
                    LastCell.keepingInputs().on(StateBackendKind.HEAP),
                    SCRIPT,
                    c -> new Cell().fill(c))
                ::verify)
        .isInstanceOf(AssertionError.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageStartingWith(
            "refill reused no object: every record it returned still equalled its element after"
                + " the next refill, so the check could not see an operator keep its input");
  }

  @Test
  void refillReturningAFreshCopy_ofATypeWithoutEquals_isRejected_givenItsInputType() {
    // PlainCell compares by identity: a fresh copy never "equals" its element, yet reuses nothing
    HarnessInput<PlainCell> script =
        HarnessInput.<PlainCell>builder()
            .element(new PlainCell("k1", "a"))
            .element(new PlainCell("k1", "b"))
            .build();
    KeyedHarness<String, PlainCell, String> keeping =
        KeyedHarness.forFunction(LastPlainCell::new, c -> c.key, Types.STRING, Types.STRING)
            .withInputType(TypeInformation.of(PlainCell.class))
            .on(StateBackendKind.HEAP);

    assertThatThrownBy(
            ObjectReuseCheck.of(keeping, script, c -> new PlainCell(c.key, c.text))::verify)
        .isInstanceOf(AssertionError.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageStartingWith(
            "refill reused no object: every record it returned still equalled its element after"
                + " the next refill, so the check could not see an operator keep its input");
  }

  @Test
  void elementsDifferingOnlyOutsideTheReusedObject_areRefusedSayingSo() {
    // the refill reuses one Cell, but both elements hold the same cell: refilling changes nothing
    HarnessInput<Change<Cell>> script =
        HarnessInput.<Change<Cell>>builder()
            .element(Change.insert(new Cell("k1", "a")))
            .element(Change.delete(new Cell("k1", "a")))
            .build();
    Cell reused = new Cell();
    KeyedHarness<String, Change<Cell>, String> kinds =
        KeyedHarness.forFunction(ChangeKinds::new, c -> c.value().key, Types.STRING, Types.STRING);

    assertThatThrownBy(
            ObjectReuseCheck.of(kinds, script, c -> Change.of(c.kind(), reused.fill(c.value())))
                ::verify)
        .isInstanceOf(AssertionError.class)
        .hasRootCauseInstanceOf(IllegalArgumentException.class)
        .rootCause()
        .hasMessageContaining("differ only outside the object it reuses");
  }

  /** Emits the kind of each change. */
  static final class ChangeKinds extends KeyedProcessFunction<String, Change<Cell>, String> {
    @Override
    public void processElement(Change<Cell> change, Context ctx, Collector<String> out) {
      out.collect(change.kind().shortString());
    }
  }

  @Test
  void operatorChangingAnInputItKeptWithObjectReuseOff_isNotBlamedOnObjectReuse() {
    // with object reuse off Flink hands over a fresh object per record, which the operator owns
    HarnessInput<Cell> sameKey =
        HarnessInput.<Cell>builder()
            .element(new Cell("k1", "a"))
            .element(new Cell("k1", "b"))
            .element(new Cell("k1", "c"))
            .build();
    Cell reused = new Cell();
    KeyedHarness<String, Cell, String> appending =
        KeyedHarness.forFunction(AppendingCell::new, c -> c.key, Types.STRING, Types.STRING);

    // handed the script's own objects, the operator changes them: say so, as the other checks do
    assertThatThrownBy(
            ObjectReuseCheck.of(appending.on(StateBackendKind.HEAP), sameKey, reused::fill)::verify)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the operator changed its input objects")
        .hasMessageContaining("withInputType");
    // handed copies, as Flink hands them with object reuse off, it passes
    HarnessInput<Cell> fresh =
        HarnessInput.<Cell>builder()
            .element(new Cell("k1", "a"))
            .element(new Cell("k1", "b"))
            .element(new Cell("k1", "c"))
            .build();
    ObjectReuseCheck.of(
            appending.withInputType(LastCell.CELL).on(StateBackendKind.HEAP), fresh, reused::fill)
        .verify();
  }

  /**
   * Appends each text to the key's cell, kept in state and changed in place: the first input itself
   * with object reuse off (the operator owns it), a copy of it with object reuse on. Correct.
   */
  static final class AppendingCell extends KeyedProcessFunction<String, Cell, String> {
    private transient ValueState<Cell> cell;
    private transient boolean objectReuse;

    @Override
    public void open(OpenContext openContext) {
      cell = getRuntimeContext().getState(new ValueStateDescriptor<>("cell", LastCell.CELL));
      objectReuse = getRuntimeContext().isObjectReuseEnabled();
    }

    @Override
    public void processElement(Cell input, Context ctx, Collector<String> out) throws Exception {
      Cell kept = cell.value();
      if (kept == null) {
        kept = objectReuse ? new Cell().fill(input) : input;
      } else {
        kept.text = kept.text + input.text;
      }
      cell.update(kept);
      out.collect(kept.toString());
    }
  }

  /** A mutable Flink POJO without equals, as many are. */
  public static final class PlainCell {
    public String key;
    public String text;

    public PlainCell() {}

    public PlainCell(String key, String text) {
      this.key = key;
      this.text = text;
    }
  }

  /** Emits the key's previous and current text, keeping the input object itself (a bug). */
  static final class LastPlainCell extends KeyedProcessFunction<String, PlainCell, String> {
    private transient ValueState<PlainCell> last;

    @Override
    public void open(OpenContext openContext) {
      last =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>("last", TypeInformation.of(PlainCell.class)));
    }

    @Override
    public void processElement(PlainCell cell, Context ctx, Collector<String> out)
        throws Exception {
      PlainCell previous = last.value();
      out.collect((previous == null ? "-" : previous.text) + " -> " + cell.text);
      last.update(cell);
    }
  }
}
