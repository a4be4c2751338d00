package dev.etlkit.core;

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

  public StepIdentity(String pipeline, String step, String uid) {
    this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
    this.step = Objects.requireNonNull(step, "step");
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
