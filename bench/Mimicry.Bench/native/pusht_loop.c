/* The Push-T physics loop in plain C, for comparison with Mimicry's P/Invoke environment.
 * Same world, add order and PD control as src/Mimicry/Envs/PushT/PushTEnv.cs; no reward.
 * Built by the benchmark with the system C compiler: cc -O2 pusht_loop.c -lchipmunk -lm
 * Usage: pusht_loop ACTIONS EPISODE_LEN   (prints actions/s and a checksum of the final poses) */
#include <chipmunk/chipmunk.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void count_contacts(cpArbiter *arb, cpSpace *space, cpDataPointer data) { *(long *)data += cpArbiterGetCount(arb); }

typedef struct { cpSpace *space; cpBody *agent, *block; cpShape *shapes[7]; long contacts; } World;

static void build(World *w) {
    w->space = cpSpaceNew();
    cpSpaceSetGravity(w->space, cpv(0, 0));
    cpSpaceSetDamping(w->space, 0);
    cpBody *st = cpSpaceGetStaticBody(w->space);
    double walls[4][4] = {{5, 506, 5, 5}, {5, 5, 506, 5}, {506, 5, 506, 506}, {5, 506, 506, 506}};
    for (int i = 0; i < 4; i++)
        w->shapes[i] = cpSpaceAddShape(w->space, cpSegmentShapeNew(st, cpv(walls[i][0], walls[i][1]), cpv(walls[i][2], walls[i][3]), 2));
    w->agent = cpSpaceAddBody(w->space, cpBodyNewKinematic());
    cpBodySetPosition(w->agent, cpv(256, 400));
    w->shapes[4] = cpSpaceAddShape(w->space, cpCircleShapeNew(w->agent, 15, cpvzero));
    cpVect bar[4] = {{-60, 30}, {60, 30}, {60, 0}, {-60, 0}};
    cpVect stem[4] = {{-15, 30}, {-15, 120}, {15, 120}, {15, 30}};
    w->block = cpBodyNew(1, 2 * cpMomentForPoly(1, 4, bar, cpvzero, 0));
    cpShape *s1 = cpPolyShapeNew(w->block, 4, bar, cpTransformIdentity, 0);
    cpShape *s2 = cpPolyShapeNew(w->block, 4, stem, cpTransformIdentity, 0);
    cpBodySetCenterOfGravity(w->block, cpv(0, 45));
    cpBodySetPosition(w->block, cpv(256, 300));
    cpBodySetAngle(w->block, 0);
    cpSpaceAddBody(w->space, w->block);
    w->shapes[5] = cpSpaceAddShape(w->space, s1);
    w->shapes[6] = cpSpaceAddShape(w->space, s2);
    cpCollisionHandler *h = cpSpaceAddCollisionHandler(w->space, 0, 0);
    h->postSolveFunc = count_contacts;
    h->userData = &w->contacts;
}

static void destroy(World *w) {
    cpSpaceFree(w->space);
    for (int i = 0; i < 7; i++) cpShapeFree(w->shapes[i]);
    cpBodyFree(w->agent);
    cpBodyFree(w->block);
}

int main(int argc, char **argv) {
    long actions = argc > 1 ? atol(argv[1]) : 200000, len = argc > 2 ? atol(argv[2]) : 300;
    World w = {0};
    double checksum = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < actions; i++) {
        if (i % len == 0) {
            if (w.space) { cpVect p = cpBodyGetPosition(w.block); checksum += p.x + p.y + cpBodyGetAngle(w.block); destroy(&w); }
            build(&w);
            long e = i / len;
            cpBodySetPosition(w.agent, cpv(100 + (e * 37) % 300, 100 + (e * 53) % 300));
            cpBodySetPosition(w.block, cpv(150 + (e * 41) % 200, 150 + (e * 29) % 200));
            cpBodySetAngle(w.block, (e % 13) * 0.5);
            cpSpaceStep(w.space, 0.01);
        }
        double tx = 256 + 150 * cos(0.05 * i), ty = 256 + 150 * sin(0.07 * i);
        w.contacts = 0;
        for (int k = 0; k < 10; k++) {
            cpVect p = cpBodyGetPosition(w.agent), v = cpBodyGetVelocity(w.agent);
            double ax = 100 * (tx - p.x) + 20 * (0 - v.x), ay = 100 * (ty - p.y) + 20 * (0 - v.y);
            cpBodySetVelocity(w.agent, cpv(v.x + ax * 0.01, v.y + ay * 0.01));
            cpSpaceStep(w.space, 0.01);
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    cpVect p = cpBodyGetPosition(w.block);
    checksum += p.x + p.y + cpBodyGetAngle(w.block);
    destroy(&w);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    fprintf(stderr, "\n");
    printf("%.1f %.17g\n", actions / secs, checksum);
    return 0;
}
