package dev.etlkit.core.internal;

import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.Function;
import org.apache.flink.api.common.functions.util.FunctionUtils;

/** Closing the user functions an operator opened, all of them even if one fails. */
@Internal
public final class FunctionLifecycle {
  private FunctionLifecycle() {}

  /**
   * Closes every function in {@code functions}, in order. A function whose {@code close()} throws,
   * an {@code Error} too, does not keep the later ones open: the first exception or error is thrown
   * after all were closed, with the later ones added to it as suppressed.
   */
  public static void closeAll(List<? extends Function> functions) throws Exception {
    Throwable failure = null;
    for (Function function : functions) {
      try {
        FunctionUtils.closeFunction(function);
      } catch (Exception | Error e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure instanceof Error) {
      throw (Error) failure;
    }
    if (failure != null) {
      throw (Exception) failure;
    }
  }
}
