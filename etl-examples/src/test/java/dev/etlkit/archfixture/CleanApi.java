package dev.etlkit.archfixture;

import dev.etlkit.archfixture.internal.Hidden;
import org.apache.flink.annotation.PublicEvolving;

/** Uses an internal type the allowed ways: in bodies and non-public members only. */
@PublicEvolving
public final class CleanApi {
  private final Hidden hidden = new Hidden();

  public String describe() {
    return hidden.toString();
  }

  Hidden packagePrivate() {
    return hidden;
  }
}
