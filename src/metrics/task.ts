/** The three supervised tasks every metric, learner and job is keyed by. */
export type Task = 'regression' | 'binary' | 'multiclass';
