package dev.etlkit.archfixture;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.PublicEvolving;

/** Public state users could change: what the mutable-state rule must report. */
@PublicEvolving
public final class MutableStateApi {
  public static final String[] NAMES = {"a"};
  public static final List<String> LIST = new ArrayList<>();
  public static final Map<String, String> MAP = Map.of();
  public static int counter;
  public String label = "";

  /** Not visible, or immutable: never reported. */
  public static final String NAME = "a";

  public static final int SIZE = 1;
  static final int[] PACKAGE_ARRAY = {1};
  private static final List<String> PRIVATE_LIST = new ArrayList<>();
  public final String finalLabel = "";

  /** A nested public type shares the rule. */
  @PublicEvolving
  public static final class Nested {
    public static final long[] VALUES = {1L};
  }
}
