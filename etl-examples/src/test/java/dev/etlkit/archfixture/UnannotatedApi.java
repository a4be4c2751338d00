package dev.etlkit.archfixture;

/** Violates the stability rule on purpose: public API without a stability annotation. */
public final class UnannotatedApi {}
