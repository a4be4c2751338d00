package dev.etlkit.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * An input script for a harness: elements with timestamps, watermarks and processing-time advances,
 * applied in order by {@link OperatorHarness#run}; for a two-input recipe ({@link
 * KeyedHarness#forTwoInputStream}) also watermarks and idleness of one input ({@link
 * InputWatermark}, {@link InputIdle}). Immutable; {@link CutPointCheck} cuts it into a prefix and a
 * rest, and {@link ChangelogGenerator} produces one.
 *
 * <pre>{@code
 * HarnessInput<Change<String>> input =
 *     HarnessInput.<Change<String>>builder()
 *         .element(Change.insert("a#1"), 10)
 *         .watermark(10)
 *         .advanceProcessingTime(1_000)
 *         .build();
 * }</pre>
 *
 * @param <I> the harness's input type
 */
@PublicEvolving
public final class HarnessInput<I> {

  /** One step of a script. */
  public sealed interface Step<I>
      permits Element, Watermark, InputWatermark, InputIdle, AdvanceProcessingTime, EndOfInput {
    /** Applies this step to the harness. */
    void applyTo(OperatorHarness<I, ?> harness) throws Exception;
  }

  /** An element, with a timestamp or (when {@code timestamp} is null) without. */
  public record Element<I>(I value, @Nullable Long timestamp) implements Step<I> {
    public Element {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      if (timestamp == null) {
        harness.processElement(value);
      } else {
        harness.processElement(value, timestamp);
      }
    }

    @Override
    public String toString() {
      return "element(" + value + (timestamp != null ? " @" + timestamp : "") + ")";
    }
  }

  /** A watermark. */
  public record Watermark<I>(long timestamp) implements Step<I> {
    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      harness.processWatermark(timestamp);
    }

    @Override
    public String toString() {
      return "watermark(" + timestamp + ")";
    }
  }

  /**
   * A watermark of one input (1 or 2) of a two-input recipe alone: {@link
   * OperatorHarness#processWatermark1} or {@link OperatorHarness#processWatermark2}. {@link
   * RescaleCheck} gives it to every subtask, as {@link Watermark}.
   */
  public record InputWatermark<I>(int input, long timestamp) implements Step<I> {
    public InputWatermark {
      checkInput(input);
    }

    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      if (input == 1) {
        harness.processWatermark1(timestamp);
      } else {
        harness.processWatermark2(timestamp);
      }
    }

    @Override
    public String toString() {
      return "watermark" + input + "(" + timestamp + ")";
    }
  }

  /**
   * One input (1 or 2) of a two-input recipe marked idle, or active again: {@link
   * OperatorHarness#setIdle}.
   */
  public record InputIdle<I>(int input, boolean idle) implements Step<I> {
    public InputIdle {
      checkInput(input);
    }

    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      harness.setIdle(input, idle);
    }

    @Override
    public String toString() {
      return (idle ? "idle" : "active") + "(" + input + ")";
    }
  }

  private static void checkInput(int input) {
    if (input != 1 && input != 2) {
      throw new IllegalArgumentException("input must be 1 or 2, was " + input);
    }
  }

  /** Processing time (and the state-TTL clock) moving forward by {@code millis}. */
  public record AdvanceProcessingTime<I>(long millis) implements Step<I> {
    public AdvanceProcessingTime {
      if (millis < 0) {
        throw new IllegalArgumentException("millis must be >= 0, was " + millis);
      }
    }

    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      harness.advanceProcessingTime(millis);
    }

    @Override
    public String toString() {
      return "advanceProcessingTime(" + millis + ")";
    }
  }

  /**
   * The end of the input, as a bounded source's end: {@link OperatorHarness#endInput()}. Put it
   * after the last element and a final watermark, as Flink does ({@code Long.MAX_VALUE} first).
   */
  public record EndOfInput<I>() implements Step<I> {
    @Override
    public void applyTo(OperatorHarness<I, ?> harness) throws Exception {
      harness.endInput();
    }

    @Override
    public String toString() {
      return "endOfInput()";
    }
  }

  private final List<Step<I>> steps;

  private HarnessInput(List<Step<I>> steps) {
    this.steps = List.copyOf(steps);
  }

  /** A script of the given steps. */
  public static <I> HarnessInput<I> of(List<? extends Step<I>> steps) {
    return new HarnessInput<>(new ArrayList<>(steps));
  }

  public static <I> Builder<I> builder() {
    return new Builder<>();
  }

  /** The steps, in order (unmodifiable). */
  public List<Step<I>> steps() {
    return steps;
  }

  public int size() {
    return steps.size();
  }

  /** Steps {@code from} (inclusive) to {@code to} (exclusive). */
  public HarnessInput<I> slice(int from, int to) {
    return new HarnessInput<>(steps.subList(from, to));
  }

  /** The same script with every element mapped; timestamps and other steps unchanged. */
  public <R> HarnessInput<R> map(Function<? super I, ? extends R> mapper) {
    List<Step<R>> mapped = new ArrayList<>(steps.size());
    for (Step<I> step : steps) {
      if (step instanceof Element<I> e) {
        mapped.add(new Element<>(mapper.apply(e.value()), e.timestamp()));
      } else if (step instanceof Watermark<I> w) {
        mapped.add(new Watermark<>(w.timestamp()));
      } else if (step instanceof InputWatermark<I> w) {
        mapped.add(new InputWatermark<>(w.input(), w.timestamp()));
      } else if (step instanceof InputIdle<I> idle) {
        mapped.add(new InputIdle<>(idle.input(), idle.idle()));
      } else if (step instanceof AdvanceProcessingTime<I> p) {
        mapped.add(new AdvanceProcessingTime<>(p.millis()));
      } else if (step instanceof EndOfInput<I>) {
        mapped.add(new EndOfInput<>());
      }
    }
    return new HarnessInput<>(mapped);
  }

  /** The values of all elements, in order. */
  public List<I> elements() {
    List<I> values = new ArrayList<>();
    for (Step<I> step : steps) {
      if (step instanceof Element<I> e) {
        values.add(e.value());
      }
    }
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HarnessInput<?> that && steps.equals(that.steps);
  }

  @Override
  public int hashCode() {
    return steps.hashCode();
  }

  @Override
  public String toString() {
    return steps.toString();
  }

  /** Builds a {@link HarnessInput}, step by step. */
  @PublicEvolving
  public static final class Builder<I> {
    private final List<Step<I>> steps = new ArrayList<>();

    private Builder() {}

    /** An element with a timestamp (event time, epoch millis). */
    public Builder<I> element(I value, long timestamp) {
      steps.add(new Element<>(value, timestamp));
      return this;
    }

    /** An element without a timestamp. */
    public Builder<I> element(I value) {
      steps.add(new Element<>(value, null));
      return this;
    }

    public Builder<I> watermark(long timestamp) {
      steps.add(new Watermark<>(timestamp));
      return this;
    }

    /** A watermark of the first input of a two-input recipe alone ({@link InputWatermark}). */
    public Builder<I> watermark1(long timestamp) {
      steps.add(new InputWatermark<>(1, timestamp));
      return this;
    }

    /** A watermark of the second input of a two-input recipe alone ({@link InputWatermark}). */
    public Builder<I> watermark2(long timestamp) {
      steps.add(new InputWatermark<>(2, timestamp));
      return this;
    }

    /** Input {@code input} (1 or 2) of a two-input recipe marked idle ({@link InputIdle}). */
    public Builder<I> idle(int input) {
      steps.add(new InputIdle<>(input, true));
      return this;
    }

    /**
     * Input {@code input} (1 or 2) of a two-input recipe marked active again ({@link InputIdle}).
     */
    public Builder<I> active(int input) {
      steps.add(new InputIdle<>(input, false));
      return this;
    }

    /** Moves processing time and the state-TTL clock forward. */
    public Builder<I> advanceProcessingTime(long millis) {
      steps.add(new AdvanceProcessingTime<>(millis));
      return this;
    }

    /** The end of the input ({@link EndOfInput}). */
    public Builder<I> endOfInput() {
      steps.add(new EndOfInput<>());
      return this;
    }

    public Builder<I> step(Step<I> step) {
      steps.add(Objects.requireNonNull(step, "step"));
      return this;
    }

    /** All steps of another script. */
    public Builder<I> addAll(HarnessInput<I> input) {
      steps.addAll(input.steps());
      return this;
    }

    public HarnessInput<I> build() {
      return new HarnessInput<>(steps);
    }
  }
}
