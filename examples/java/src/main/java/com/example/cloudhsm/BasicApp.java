package com.example.cloudhsm;

import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/** The example app: `mvn compile exec:java` (or `npx cdk synth` through cdk.json). */
public final class BasicApp {
    public static final String STACK_NAME = "CloudHsmBasic";

    private BasicApp() {
    }

    /** Adds the example stack to an app. */
    public static BasicStack addStack(final App app) {
        return new BasicStack(app, STACK_NAME, StackProps.builder()
                .env(Environment.builder().account("123456789012").region("us-east-1").build())
                .build());
    }

    public static void main(final String[] args) {
        App app = new App();
        addStack(app);
        app.synth();
    }
}
