package dev.etlkit.core;

import dev.etlkit.core.internal.Names;
import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Who a step is: its pipeline, its name and the uid of its main operator. Functions carry it to
 * label dead letters, metrics and errors. Serializable so functions can hold it.
 */
@PublicEvolving
public final class StepIdentity implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String pipeline;
  private final String step;
  private final String uid;

  /**
   * @param pipeline a pipeline name as {@link Etl#from} takes it (1 to 64 letters, digits, {@code .
   *     _ -}), so that {@link RecordAccounting} reads the step's counters back under it
   * @param step the step's name, not empty ({@code <step>/<part>} for an operator within a step)
   * @param uid the uid of the step's main operator
   * @throws IllegalArgumentException if the pipeline name is not valid or the step is empty
   */
  public StepIdentity(String pipeline, String step, String uid) {
    this.pipeline = Names.requireValid(pipeline, "pipeline name");
    this.step = Objects.requireNonNull(step, "step");
    if (step.isEmpty()) {
      throw new IllegalArgumentException("step must not be empty");
    }
    this.uid = Objects.requireNonNull(uid, "uid");
  }

  public String pipeline() {
    return pipeline;
  }

  public String step() {
    return step;
  }

  /** The uid of the step's main operator: {@code <pipeline>/<step>}. */
  public String uid() {
    return uid;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StepIdentity)) {
      return false;
    }
    StepIdentity that = (StepIdentity) o;
    return pipeline.equals(that.pipeline) && step.equals(that.step) && uid.equals(that.uid);
  }

  @Override
  public int hashCode() {
    return Objects.hash(pipeline, step, uid);
  }

  @Override
  public String toString() {
    return pipeline + "/" + step;
  }
}
