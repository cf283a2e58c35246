"""AgentNet in one minute: a recurrent Q-learning agent on the boolean-reasoning toy.

The world hides three binary factors X1..X3 and two categories with
Y1 = X1, Y2 = 1 - X1. Each tick the agent opens one factor (+1/-1 for an X,
+3/-3 for a Y, -0.5 for a repeat) or ends the session. The best policy opens
X1, then the Y it implies: about +3 per session. A random policy loses.

Run with ``.venv/bin/python examples/boolean_reasoning_demo.py``. Hyperparameters are the
constants below.
"""
import time

import numpy as np
import theano
import theano.tensor as T
import lasagne
from lasagne.layers import DenseLayer, InputLayer

from agentnet import Agent
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver
from agentnet.utils.grad import consider_constant

SESSION_LENGTH = 6      # ticks per session
BATCH_SIZE = 32         # sessions per training step
HIDDEN_UNITS = 32       # RNN memory size
GAMMA = 0.95            # discount
LEARNING_RATE = 0.01    # Adam step size
N_STEPS = 3000          # training steps
EPSILON_START, EPSILON_END = 0.5, 0.05


def build_agent(env):
    """The one-tick graph: observation + previous memory -> memory, Q-values, action."""
    observation = InputLayer((None,) + tuple(env.observation_shapes), name="observation")
    prev_memory = InputLayer((None, HIDDEN_UNITS), name="prev_memory")
    memory = RNNCell(prev_memory, observation, name="rnn0")
    qvalues = DenseLayer(memory, env.n_actions, nonlinearity=None, name="qvalues")
    epsilon = theano.shared(np.float32(EPSILON_START), name="epsilon")
    action = EpsilonGreedyResolver(qvalues, epsilon=epsilon, name="action")
    return Agent(observation, {memory: prev_memory}, qvalues, action), epsilon


def one_step_td_loss(qvalues, actions, rewards, is_alive):
    r"""Mean squared TD error :math:`(r_t + \gamma \max_a Q_{t+1} - Q_t(a_t))^2`, live ticks."""
    flat_q = qvalues.reshape((-1, qvalues.shape[2]))
    q_taken = flat_q[T.arange(flat_q.shape[0]), actions.flatten()].reshape(actions.shape)
    alive = T.cast(is_alive, theano.config.floatX)
    next_value = T.concatenate([qvalues[:, 1:].max(axis=2) * alive[:, 1:],
                                T.zeros_like(qvalues[:, :1, 0])], axis=1)
    reference = consider_constant(rewards + GAMMA * next_value)
    return ((reference - q_taken) ** 2 * alive).sum() / alive.sum()


def compile_functions(env, agent):
    (states,), observations, _, actions, qvalues = agent.get_sessions(
        env, session_length=SESSION_LENGTH, batch_size=env.batch_size)
    rewards = env.get_reward_sequences(states, actions)
    is_alive = env.get_whether_alive(observations)
    loss = one_step_td_loss(qvalues, actions, rewards, is_alive)
    params = agent.get_all_params(trainable=True)
    updates = lasagne.updates.adam(loss, params, learning_rate=LEARNING_RATE)
    session_reward = (rewards * is_alive).sum(axis=1).mean()
    train = theano.function([], [loss, session_reward], updates=updates)
    evaluate = theano.function([], [session_reward, actions])
    return train, evaluate


def main():
    env = BooleanReasoningEnvironment()
    agent, epsilon = build_agent(env)
    started = time.time()
    train, evaluate = compile_functions(env, agent)
    print("compiled in %.1f s" % (time.time() - started))
    started = time.time()
    for step in range(N_STEPS):
        fraction = step / float(N_STEPS)
        epsilon.set_value(np.float32(EPSILON_START + (EPSILON_END - EPSILON_START) * fraction))
        env.generate_new_data_batch(BATCH_SIZE)
        loss, reward = train()
        if step % 500 == 0:
            print("step %4d  loss %.3f  reward per session (epsilon %.2f) %+.2f"
                  % (step, loss, epsilon.get_value(), reward))
    print("trained %d steps in %.1f s" % (N_STEPS, time.time() - started))
    epsilon.set_value(np.float32(0))
    env.generate_new_data_batch(1000)
    reward, actions = evaluate()
    names = env.feature_names
    print("greedy reward per session over 1000 new sessions: %+.2f (optimum about +3)" % reward)
    print("a typical greedy session:", " -> ".join(names[a] for a in actions[0][:3]))


if __name__ == "__main__":
    main()
