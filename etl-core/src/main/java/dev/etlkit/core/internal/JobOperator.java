package dev.etlkit.core.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;

/**
 * One operator of the job, as {@link dev.etlkit.core.SavepointCheck} matches it with the operators
 * of a savepoint (as Flink's restore does): how Flink identifies it, its vertex, the vertex's max
 * parallelism and parallelism (the environment's where the vertex sets none), and, for an operator
 * with a uid, its key serializer (null where it is not keyed, and for operators without a uid).
 */
@Internal
public final class JobOperator {
  private final OperatorIDPair ids;
  private final JobVertexID vertex;
  private final int maxParallelism;
  private final int parallelism;
  @Nullable private final TypeSerializer<?> keySerializer;

  /** Whether the operator is known not to be keyed (it has a uid and no key serializer). */
  private final boolean notKeyed;

  JobOperator(
      OperatorIDPair ids,
      JobVertexID vertex,
      int maxParallelism,
      int parallelism,
      @Nullable TypeSerializer<?> keySerializer) {
    this.ids = ids;
    this.vertex = vertex;
    this.maxParallelism = maxParallelism;
    this.parallelism = parallelism;
    this.keySerializer = keySerializer;
    this.notKeyed = ids.getUserDefinedOperatorUid() != null && keySerializer == null;
  }

  /**
   * The operators of the job built onto {@code env}, from the job graph it builds now; the
   * environment keeps the job.
   *
   * @param userCode the loader of the job's classes
   * @throws IllegalArgumentException when no job was built onto {@code env}
   */
  public static List<JobOperator> of(StreamExecutionEnvironment env, ClassLoader userCode) {
    StreamGraph graph;
    JobGraph job;
    try {
      graph = env.getStreamGraph(false);
      job = graph.getJobGraph(userCode, null);
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "build the job onto the environment before checking a savepoint against it", e);
    }
    Map<String, TypeSerializer<?>> keySerializers = new HashMap<>();
    for (StreamNode node : graph.getStreamNodes()) {
      if (node.getTransformationUID() != null && node.getStateKeySerializer() != null) {
        keySerializers.put(node.getTransformationUID(), node.getStateKeySerializer());
      }
    }
    List<JobOperator> operators = new ArrayList<>();
    for (JobVertex vertex : job.getVertices()) {
      int parallelism =
          vertex.getParallelism() > 0 ? vertex.getParallelism() : env.getParallelism();
      for (OperatorIDPair ids : vertex.getOperatorIDs()) {
        String uid = ids.getUserDefinedOperatorUid();
        operators.add(
            new JobOperator(
                ids,
                vertex.getID(),
                vertex.getMaxParallelism(),
                parallelism,
                uid == null ? null : keySerializers.get(uid)));
      }
    }
    return operators;
  }

  /** The operator's uid; null where it has none. */
  @Nullable
  public String uid() {
    return ids.getUserDefinedOperatorUid();
  }

  /** The job vertex (task) the operator runs in. */
  public JobVertexID vertex() {
    return vertex;
  }

  /** The vertex's max parallelism ({@link JobVertex#MAX_PARALLELISM_DEFAULT} where not set). */
  public int maxParallelism() {
    return maxParallelism;
  }

  /** The vertex's parallelism, or the environment's where the vertex sets none. */
  public int parallelism() {
    return parallelism;
  }

  /** The key serializer of an operator with a uid; null where not keyed, or without a uid. */
  @Nullable
  public TypeSerializer<?> keySerializer() {
    return keySerializer;
  }

  /** Whether the operator is known not to be keyed (it has a uid and no key serializer). */
  public boolean notKeyed() {
    return notKeyed;
  }

  /** Its uid where it has one, otherwise its name and operator id. */
  public String label() {
    String uid = ids.getUserDefinedOperatorUid();
    return uid != null ? uid : ids.getUserDefinedOperatorName() + " (" + matchedId() + ")";
  }

  private OperatorID matchedId() {
    return ids.getUserDefinedOperatorID().orElse(ids.getGeneratedOperatorID());
  }

  /** The operator's state in the savepoint, taken out of {@code byId}; null if it has none. */
  @Nullable
  public OperatorState savedState(Map<OperatorID, OperatorState> byId) {
    OperatorState state = byId.remove(ids.getGeneratedOperatorID());
    Optional<OperatorID> userDefined = ids.getUserDefinedOperatorID();
    if (state == null && userDefined.isPresent()) {
      state = byId.remove(userDefined.get());
    }
    return state;
  }

  /** Whether Flink's restore counts the operator as holding state (as its own check does). */
  public static boolean holdsState(OperatorState state) {
    if (state.getCoordinatorState() != null) {
      return true;
    }
    for (OperatorSubtaskState subtask : state.getStates()) {
      if (subtask.hasState()) {
        return true;
      }
    }
    return false;
  }
}
