package dev.etlkit.testkit;

import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Emits each key's previous and current cell, keeping the last one in a {@code ValueState}. The
 * plain variant keeps the input object itself: with object reuse on, behind an upstream that reuses
 * its output object, the heap backend's state changes with that object. The copying variant copies
 * the input when object reuse is on, as an operator must.
 */
public final class LastCell extends KeyedProcessFunction<String, LastCell.Cell, String> {

  /** A mutable record (a Flink POJO). */
  public static final class Cell {
    public String key;
    public String text;

    public Cell() {}

    public Cell(String key, String text) {
      this.key = key;
      this.text = text;
    }

    /** Makes this cell hold what {@code other} holds; returns this cell. */
    public Cell fill(Cell other) {
      key = other.key;
      text = other.text;
      return this;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Cell c && Objects.equals(key, c.key) && Objects.equals(text, c.text);
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, text);
    }

    @Override
    public String toString() {
      return key + "#" + text;
    }
  }

  static final TypeInformation<Cell> CELL = TypeInformation.of(Cell.class);

  private final boolean copies;
  private transient ValueState<Cell> last;
  private transient TypeSerializer<Cell> serializer;
  private transient boolean objectReuse;

  private LastCell(boolean copies) {
    this.copies = copies;
  }

  /** The variant that keeps its input object. */
  static KeyedHarness<String, Cell, String> keepingInputs() {
    return KeyedHarness.forFunction(
        () -> new LastCell(false), c -> c.key, Types.STRING, Types.STRING);
  }

  /** The variant that copies its input when object reuse is on. */
  static KeyedHarness<String, Cell, String> copyingInputs() {
    return KeyedHarness.forFunction(
        () -> new LastCell(true), c -> c.key, Types.STRING, Types.STRING);
  }

  @Override
  public void open(OpenContext openContext) {
    last = getRuntimeContext().getState(new ValueStateDescriptor<>("last", CELL));
    serializer = getRuntimeContext().createSerializer(CELL);
    objectReuse = getRuntimeContext().isObjectReuseEnabled();
  }

  @Override
  public void processElement(Cell cell, Context ctx, Collector<String> out) throws Exception {
    out.collect(last.value() + " -> " + cell);
    last.update(copies && objectReuse ? serializer.copy(cell) : cell);
  }
}
